import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { accountSummary } from "../../src/accounts/accountSummary.ts";
import { queryDirect, queryVia } from "../../src/db/sqlQuery.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { post } from "../../src/ledger/postEntries.ts";
import type { Services } from "../../src/services.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { parseUsageBatch } from "../../src/usage/usageRecord.ts";
import { createTestServices } from "../helpers/services.ts";

/**
 * The account summary is one hand-written statement (the balance command runs it on the thread
 * that acknowledges Slack). Here it is held against the same figures read the plain way, row by
 * row through Prisma's models, for an account with every bucket, usage in and out of a window,
 * and more entries than it shows.
 */
const USD = 1_000_000n;
const DAY = 86_400_000;
let services: Services;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.db.close();
});

const caller: Caller = { platform: "console", workspaceId: "local", userId: "sam", locale: "en", isSupport: false };

describe("account summary", () => {
  it("agrees with the figures read row by row", async () => {
    await dispatch(registry, services, caller, "balance", {});
    const { accountId } = await services.prisma.chatIdentity.findUniqueOrThrow({ where: { platform_workspaceId_userId: { platform: "console", workspaceId: "local", userId: "sam" } } });
    const actor = { type: "system" as const, id: "test" };
    await post(services.prisma, { idempotencyKey: "sam-topup", actor, lines: [{ accountId, type: "usdt_topup", bucket: "principal", amount: 20n * USD }, { accountId, type: "topup_bonus", bucket: "bonus", amount: 2n * USD }] });
    await post(services.prisma, { idempotencyKey: "sam-promo", actor, lines: [{ accountId, type: "admin_adjustment", bucket: "promo", amount: 3n * USD + 7n }] });
    const now = new Date();
    const parsed = parseUsageBatch({
      records: [1n, 2n, 4n, 8n].map((cents, i) => ({
        id: `sam-${i}`,
        accountId,
        model: "gpt-4o",
        endpoint: "/v1/chat/completions",
        cost: (cents * 10_000n + BigInt(i)).toString(),
        // two inside the last 3 days, two before
        time: new Date(now.getTime() - (i < 2 ? 1 : 5) * DAY - i * 1000).toISOString(),
      })),
    });
    await ingestUsage(services.prisma, parsed.valid, { driver: services.db.driver });

    const since = new Date(now.getTime() - 3 * DAY);
    const summary = await accountSummary(queryDirect(services.db.driver), accountId, { recent: 3, spendSince: since });
    // The same through Prisma (as support's account view reads it, inside its transaction).
    expect(await services.prisma.$transaction((tx) => accountSummary(queryVia(tx), accountId, { recent: 3, spendSince: since }))).toEqual(summary);

    const rows = await services.prisma.balance.findMany({ where: { accountId } });
    const byBucket = Object.fromEntries(rows.map((r) => [r.bucket, r.amount]));
    expect(summary.buckets).toEqual({ principal: byBucket.principal ?? 0n, bonus: byBucket.bonus ?? 0n, trial: byBucket.trial ?? 0n, promo: byBucket.promo ?? 0n });
    expect(summary.buckets.promo).toBe(3n * USD + 7n);
    expect(summary.balance).toBe(rows.reduce((sum, r) => sum + r.amount, 0n));
    const used = await services.prisma.ledgerEntry.aggregate({ where: { accountId, type: "api_usage" }, _sum: { amount: true } });
    expect(summary.used).toBe(-(used._sum.amount ?? 0n));
    expect(summary.used).toBe(150_006n);
    expect(summary.requests).toBe(await services.prisma.usageRecord.count({ where: { accountId } }));
    expect(summary.requests).toBe(4);
    const spent = await services.prisma.usageRecord.aggregate({ where: { accountId, occurredAt: { gt: since } }, _sum: { cost: true } });
    expect(summary.spentSince).toBe(spent._sum.cost);
    expect(summary.spentSince).toBe(30_001n);
    const latest = await services.prisma.ledgerEntry.findMany({ where: { accountId }, orderBy: { id: "desc" }, take: 3 });
    expect(latest.length).toBe(3);
    expect(summary.recentEntries).toEqual(latest.map((e) => ({ type: e.type, bucket: e.bucket, amount: e.amount, balanceAfter: e.balanceAfter, createdAt: e.createdAt, reference: e.reference })));
    const account = await services.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(summary.lowBalanceThreshold).toBe(account.lowBalanceThreshold);

    // Without a window, no spend is summed.
    expect((await accountSummary(queryDirect(services.db.driver), accountId)).spentSince).toBeNull();
    expect((await accountSummary(queryVia(services.prisma), accountId)).spentSince).toBeNull();
  });

  it("refuses an account that does not exist", async () => {
    await expect(accountSummary(queryDirect(services.db.driver), "00000000-0000-4000-8000-00000000dead")).rejects.toThrow(/not found/);
  });
});
