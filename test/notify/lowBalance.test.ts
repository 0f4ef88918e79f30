import { afterAll, beforeAll, describe, expect, it } from "vitest";
import alerts from "../../commands/alerts.ts";
import type { Caller } from "../../src/core/command.ts";
import { createRegistry, dispatch } from "../../src/core/dispatch.ts";
import { translator } from "../../src/i18n.ts";
import { postEntries } from "../../src/ledger/postEntries.ts";
import { afterBalanceChange, alertTransition } from "../../src/notify/lowBalance.ts";
import { timeLeftText } from "../../src/views/lowBalanceMessage.ts";
import type { Reply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { parseUsageBatch } from "../../src/usage/usageRecord.ts";
import { drawn } from "../helpers/outbox.ts";
import { createTestServices } from "../helpers/services.ts";
import { accountWith, USD, usageRecord } from "../usage/fixtures.ts";

let services: Services;
beforeAll(async () => {
  services = await createTestServices({ env: { LOW_BALANCE_DEFAULT_USD: "5" } });
});
afterAll(async () => {
  await services?.db.close();
});

async function spend(accountId: string, cost: bigint, hoursAgo = 1) {
  const time = new Date(Date.now() - hoursAgo * 3600_000).toISOString();
  const { valid } = parseUsageBatch({ records: [usageRecord(accountId, cost, { time })] });
  // As the HTTP route does: on PostgreSQL through the driver, and through Prisma when an alert is due.
  const result = await ingestUsage(services.prisma, valid, { driver: services.db.driver });
  expect(result.accepted).toHaveLength(1);
  return result;
}

async function credit(accountId: string, amount: bigint, key: string) {
  await services.prisma.$transaction(async (tx) => {
    const posted = await postEntries(tx, {
      idempotencyKey: key,
      lines: [{ accountId, type: "usdt_topup", bucket: "principal", amount }],
      actor: { type: "support", id: "S1" },
    });
    for (const movement of posted.accounts) await afterBalanceChange(tx, movement);
  });
}

async function alertsFor(accountId: string) {
  const all = await services.prisma.outboxMessage.findMany({ where: { kind: "dm" }, orderBy: { id: "asc" } });
  return all.filter((m) => m.dedupeKey.startsWith(`low-balance:${accountId}:`));
}

async function linkedAccount(userId: string, principal: bigint, locale = "en") {
  const accountId = await accountWith(services.prisma, { principal }, { threshold: 5n * USD, locale });
  await services.prisma.chatIdentity.create({ data: { accountId, platform: "slack", workspaceId: "T1", userId } });
  return accountId;
}

const texts = (reply: Reply) =>
  reply.blocks.flatMap((b) => (b.type === "text" || b.type === "header" || b.type === "context" ? [b.text] : b.type === "fields" ? b.fields.map((f) => `${f.label}: ${f.value}`) : []));

describe("low-balance alert", () => {
  it("fires once per crossing, stays quiet below, and fires again after a top-up and a new crossing", async () => {
    const accountId = await linkedAccount("U-low-1", 10n * USD);
    // An older identity must not be the one messaged: the most recent one is.
    await services.prisma.chatIdentity.create({
      data: { accountId, platform: "discord", workspaceId: "discord", userId: "D-old", createdAt: new Date(Date.now() - 86_400_000) },
    });

    await spend(accountId, 4n * USD); // 10 → 6: above the $5 threshold
    expect(await alertsFor(accountId)).toHaveLength(0);

    const crossing = await spend(accountId, 2n * USD); // 6 → 4: crosses
    expect(crossing.alerts).toBe(1);
    let messages = await alertsFor(accountId);
    expect(messages).toHaveLength(1);
    const [first] = messages;
    expect(first).toMatchObject({ platform: "slack", kind: "dm", status: "pending", recipient: { type: "user", workspaceId: "T1", userId: "U-low-1" } });
    const payload = await drawn(services, first);
    const lines = texts(payload).join("\n");
    expect(lines).toContain("Balance: $4.00");
    expect(lines).toContain("Alert threshold: $5.00");
    expect(lines).toContain("Spent in the last 24 h: $6.00");
    // $4 left at $6 a day: 16 hours.
    expect(lines).toContain("about 16 hours left");
    expect(payload.blocks).toContainEqual({ type: "buttons", buttons: [expect.objectContaining({ command: "topup", args: {} })] });
    expect((await services.prisma.account.findUniqueOrThrow({ where: { id: accountId } })).lowBalanceArmed).toBe(false);

    await spend(accountId, 1n * USD); // 4 → 3
    await spend(accountId, 1n * USD); // 3 → 2
    expect(await alertsFor(accountId)).toHaveLength(1);

    await credit(accountId, 3n * USD, `topup:${accountId}:1`); // 2 → 5: at the threshold re-arms
    expect((await services.prisma.account.findUniqueOrThrow({ where: { id: accountId } })).lowBalanceArmed).toBe(true);
    expect(await alertsFor(accountId)).toHaveLength(1);

    await spend(accountId, 500_000n); // 5 → 4.5: crosses again
    messages = await alertsFor(accountId);
    expect(messages).toHaveLength(2);
    expect(new Set(messages.map((m) => m.dedupeKey)).size).toBe(2);
  });

  it("writes the message in the account's language", async () => {
    const accountId = await linkedAccount("U-low-zh", 6n * USD, "zh-CN");
    await spend(accountId, 2n * USD, 30); // outside the last 24 h
    const [message] = await alertsFor(accountId);
    const lines = texts(await drawn(services, message)).join("\n");
    expect(lines).toContain("余额: $4.00");
    expect(lines).toContain("最近 24 小时没有消费");
  });

  it("stays silent when alerts are off, and writes nothing when no chat identity is linked", async () => {
    const off = await accountWith(services.prisma, { principal: 10n * USD }, { threshold: null });
    await services.prisma.chatIdentity.create({ data: { accountId: off, platform: "slack", workspaceId: "T1", userId: "U-off" } });
    await spend(off, 8n * USD);
    expect(await alertsFor(off)).toHaveLength(0);

    const unlinked = await accountWith(services.prisma, { principal: 10n * USD }, { threshold: 5n * USD });
    await spend(unlinked, 8n * USD);
    expect(await alertsFor(unlinked)).toHaveLength(0);
  });

  it("decides crossings from before and after only", () => {
    const on = { threshold: 5n, armed: true, locale: "en" };
    expect(alertTransition(on, 5n, 4n)).toBe("notify");
    expect(alertTransition(on, 6n, 5n)).toBe("none");
    expect(alertTransition(on, 4n, 3n)).toBe("none");
    expect(alertTransition({ ...on, armed: false }, 4n, 3n)).toBe("none");
    expect(alertTransition({ ...on, armed: false }, 4n, 5n)).toBe("rearm");
    expect(alertTransition({ ...on, threshold: null }, 9n, 1n)).toBe("none");
  });

  it("estimates the time left at the last day's rate", () => {
    const t = translator("en");
    expect(timeLeftText(t, 3n * USD, 1n * USD)).toBe("about 3 days left");
    expect(timeLeftText(t, 1n * USD, 24n * USD)).toBe("about 1 hour left");
    expect(timeLeftText(t, 1n * USD, 48n * USD)).toBe("less than an hour left");
    expect(timeLeftText(t, 1n * USD, 0n)).toBe("no usage in the last 24 h");
    expect(timeLeftText(t, -1n, 5n)).toBe("used up: new calls may be refused");
  });
});

describe("alerts command", () => {
  const registry = createRegistry([alerts]);
  const caller: Caller = { platform: "slack", workspaceId: "T9", userId: "U-alerts", locale: "en", isSupport: false };
  const run = (args: Record<string, unknown>) => dispatch(registry, services, caller, "alerts", args);
  const account = async () => {
    const identity = await services.prisma.chatIdentity.findUniqueOrThrow({
      where: { platform_workspaceId_userId: { platform: "slack", workspaceId: "T9", userId: "U-alerts" } },
      include: { account: true },
    });
    return identity.account;
  };

  it("shows the default, sets a threshold, switches it off, and refuses a bad amount", async () => {
    const shown = await run({});
    expect(shown.error).toBeFalsy();
    expect(shown.summary).toContain("on");
    expect(shown.summary).toContain("$5.00");

    const set = await run({ threshold: "20" });
    expect(set.error).toBeFalsy();
    expect((await account()).lowBalanceThreshold).toBe(20n * USD);
    // The trial credit of onboarding is below $20: the alert waits for a top-up first.
    expect((await account()).lowBalanceArmed).toBe(false);
    expect(set.summary).toContain("already below");

    const off = await run({ threshold: "off" });
    expect(off.error).toBeFalsy();
    expect((await account()).lowBalanceThreshold).toBeNull();
    expect((await run({})).summary).toContain("off");

    const bad = await run({ threshold: "-3" });
    expect(bad.error).toBe(true);
    expect(bad.fieldErrors).toHaveProperty("threshold");
    const worse = await run({ threshold: "1.1234567" });
    expect(worse.error).toBe(true);
    expect((await account()).lowBalanceThreshold).toBeNull();

    const low = await run({ threshold: "0.5" });
    expect(low.error).toBeFalsy();
    expect((await account()).lowBalanceArmed).toBe(true);
  });
});
