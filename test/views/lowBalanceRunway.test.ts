import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { post } from "../../src/ledger/postEntries.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import type { QueuedMessage } from "../../src/notify/outbox.ts";
import type { Reply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { parseUsageBatch } from "../../src/usage/usageRecord.ts";
import { lowBalanceMessage } from "../../src/views/lowBalanceMessage.ts";
import { outboxRenderer } from "../../src/views/outbox.ts";
import { createTestServices } from "../helpers/services.ts";

/**
 * The low-balance alert carries the runway: the balance it reports over the last 7 days' average
 * daily spend, both as of the debit that crossed the threshold.
 */
const USD = 1_000_000n;
let services: Services;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.db.close();
});

const caller: Caller = { platform: "console", workspaceId: "local", userId: "lena", locale: "en", isSupport: false };
const fieldsOf = (reply: Reply) => Object.fromEntries(reply.blocks.flatMap((b) => (b.type === "fields" ? b.fields.map((f) => [f.label, f.value]) : [])));

describe("low-balance alert: the runway", () => {
  it("is in the alert a debit queues: balance ÷ (last 7 days' spend ÷ 7), whole days", async () => {
    await dispatch(registry, services, caller, "balance", {});
    const { accountId } = await services.prisma.chatIdentity.findUniqueOrThrow({ where: { platform_workspaceId_userId: { platform: "console", workspaceId: "local", userId: "lena" } } });
    await post(services.prisma, { idempotencyKey: "lena-topup", actor: { type: "system", id: "test" }, lines: [{ accountId, type: "usdt_topup", bucket: "principal", amount: 10n * USD }] });
    expect((await dispatch(registry, services, caller, "alerts", { threshold: "5" })).error).toBeFalsy();

    // $11 - $7 = $4, below $5; $7 over the last 7 days is $1 a day: 4 days.
    const parsed = parseUsageBatch({
      records: [2n, 2n, 3n].map((usd, i) => ({
        id: `lena-${i}`,
        accountId,
        model: "gpt-4o",
        endpoint: "/v1/chat/completions",
        cost: (usd * USD).toString(),
        time: new Date(Date.now() - (i + 1) * 86_400_000).toISOString(),
      })),
    });
    const result = await ingestUsage(services.prisma, parsed.valid, { driver: services.db.driver });
    expect(result.alerts).toBe(1);

    const row = await services.prisma.outboxMessage.findFirstOrThrow({ where: { dedupeKey: { startsWith: `low-balance:${accountId}:` } } });
    const message = { id: row.id, dedupeKey: row.dedupeKey, platform: row.platform, kind: row.kind, recipient: row.recipient, payload: row.payload, attempts: row.attempts } as unknown as QueuedMessage;
    const reply = (await outboxRenderer(services)(message))!;
    expect(fieldsOf(reply)).toMatchObject({ Balance: "$4.00", Runway: "at the last 7 days' spend ($1.00 a day), about 4 days left" });
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });

  it("uses the week's spend the reference carries, and says so when there was none", () => {
    const facts = { balance: 3n * USD, threshold: 5n * USD, spent24h: 0n };
    expect(fieldsOf(lowBalanceMessage("en", { ...facts, spent7d: 14n * USD })).Runway).toBe("at the last 7 days' spend ($2.00 a day), about 1 day left");
    expect(fieldsOf(lowBalanceMessage("en", { ...facts, spent7d: 0n })).Runway).toBe("no usage in the last 7 days");
    expect(fieldsOf(lowBalanceMessage("zh-CN", { ...facts, spent7d: 0n }))["预计可用"]).toBe("最近 7 天没有用量");
    // An alert queued before the runway was added is drawn without one.
    expect(fieldsOf(lowBalanceMessage("en", facts)).Runway).toBeUndefined();
  });
});
