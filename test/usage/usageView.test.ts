import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { translate } from "../../src/i18n.ts";
import { formatUsd } from "../../src/ledger/money.ts";
import { post } from "../../src/ledger/postEntries.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import type { Block, Reply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { estimateRunway, runwayOf } from "../../src/usage/runway.ts";
import { startOfUtcDay, summarizeUsage, utcDay } from "../../src/usage/summarizeUsage.ts";
import { parseUsageBatch } from "../../src/usage/usageRecord.ts";
import { runwayText } from "../../src/views/usageView.ts";
import { createTestServices } from "../helpers/services.ts";
import { USD } from "./fixtures.ts";

/**
 * The usage view against real usage rows and ledger entries: its numbers by day, by model, by API
 * token and by token group are the records' own sums; the runway is the balance over the last
 * 7 days' average daily spend, in whole days rounded down; a bad number of days is refused with
 * a clear message and writes nothing.
 */
let services: Services;
const DAY = 24 * 3_600_000;
const now = new Date();
const today = startOfUtcDay(now).getTime();
/** 06:00 UTC `daysAgo` days ago; today's record is a minute ago, so never in the future. */
const at = (daysAgo: number) => new Date(daysAgo === 0 ? now.getTime() - 60_000 : today - daysAgo * DAY + 6 * 3_600_000);

beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.db.close();
});

let seq = 0;
function caller(userId: string, locale: "en" | "zh-CN" = "en"): Caller {
  return { platform: "console", workspaceId: "local", userId, locale, isSupport: false };
}

async function accountOf(userId: string): Promise<string> {
  const reply = await dispatch(registry, services, caller(userId), "balance", {});
  expect(reply.error).toBeFalsy();
  const identity = await services.prisma.chatIdentity.findUniqueOrThrow({ where: { platform_workspaceId_userId: { platform: "console", workspaceId: "local", userId } } });
  return identity.accountId;
}

interface Spend {
  daysAgo: number;
  model: string;
  cost: bigint;
  token?: string;
  tokenGroup?: string;
}

async function spend(accountId: string, items: Spend[]): Promise<void> {
  const parsed = parseUsageBatch({
    records: items.map((s) => ({
      id: `view-${++seq}`,
      accountId,
      model: s.model,
      endpoint: "/v1/chat/completions",
      cost: s.cost.toString(),
      time: at(s.daysAgo).toISOString(),
      ...(s.token ? { token: s.token } : {}),
      ...(s.tokenGroup ? { tokenGroup: s.tokenGroup } : {}),
    })),
  });
  expect(parsed.rejected).toEqual([]);
  const result = await ingestUsage(services.prisma, parsed.valid, { driver: services.db.driver });
  expect(result.accepted).toHaveLength(items.length);
}

async function topUp(accountId: string, principal: bigint, bonus: bigint): Promise<void> {
  await post(services.prisma, {
    idempotencyKey: `view-topup:${++seq}`,
    actor: { type: "system", id: "test" },
    lines: [
      { accountId, type: "usdt_topup", bucket: "principal", amount: principal },
      ...(bonus > 0n ? [{ accountId, type: "topup_bonus" as const, bucket: "bonus" as const, amount: bonus }] : []),
    ],
  });
}

const textOf = (reply: Reply) =>
  reply.blocks
    .map((b: Block) => (b.type === "text" || b.type === "context" || b.type === "header" ? b.text : b.type === "fields" ? b.fields.map((f) => `${f.label}: ${f.value}`).join("\n") : ""))
    .join("\n");

const SPENDING: Spend[] = [
  { daysAgo: 0, model: "gpt-4o", cost: 1_250_000n, token: "prod", tokenGroup: "0.3" },
  { daysAgo: 0, model: "claude-3.5", cost: 500_000n, token: "prod", tokenGroup: "0.3" },
  { daysAgo: 1, model: "gpt-4o", cost: 2_000_000n, token: "ci", tokenGroup: "default" },
  { daysAgo: 1, model: "gpt-4o", cost: 333_333n },
  { daysAgo: 3, model: "deepseek-v3", cost: 70_001n, token: "prod", tokenGroup: "0.3" },
  { daysAgo: 6, model: "claude-3.5", cost: 4_000_000n, token: "ci" },
  // Outside the 7-day runway, inside a 30-day view.
  { daysAgo: 10, model: "gpt-4o", cost: 9_000_000n, token: "old" },
  // Outside a 30-day view.
  { daysAgo: 40, model: "gpt-4o", cost: 50_000_000n },
];

describe("usage view: the numbers are the usage records' own", () => {
  it("by day, by model, by API token and by token group; top-ups and the balance at each day's end", async () => {
    const accountId = await accountOf("view-numbers");
    await topUp(accountId, 100n * USD, 3n * USD);
    await spend(accountId, SPENDING);
    const summary = await summarizeUsage(services.prisma, accountId, 30, now);

    const inView = SPENDING.filter((s) => s.daysAgo < 30);
    const sum = (items: Spend[]) => items.reduce((a, s) => a + s.cost, 0n);
    expect(summary.days).toHaveLength(30);
    expect(summary.days[29].day).toBe(utcDay(now));
    expect(summary.days[0].day).toBe(utcDay(new Date(today - 29 * DAY)));
    for (const day of summary.days) {
      const items = inView.filter((s) => utcDay(at(s.daysAgo)) === day.day);
      expect(day.cost, day.day).toBe(sum(items));
      expect(day.requests, day.day).toBe(items.length);
      for (const model of new Set(items.map((s) => s.model))) expect(day.byModel.get(model)).toBe(sum(items.filter((s) => s.model === model)));
    }
    expect(summary.cost).toBe(sum(inView));
    expect(summary.requests).toBe(inView.length);
    expect(summary.byModel.map((l) => [l.key, l.cost, l.requests])).toEqual([
      ["gpt-4o", 1_250_000n + 2_000_000n + 333_333n + 9_000_000n, 4],
      ["claude-3.5", 4_500_000n, 2],
      ["deepseek-v3", 70_001n, 1],
    ]);
    expect(summary.byToken.map((l) => [l.key, l.cost, l.requests])).toEqual([
      ["old", 9_000_000n, 1],
      ["ci", 6_000_000n, 2],
      ["prod", 1_820_001n, 3],
      [null, 333_333n, 1],
    ]);
    expect(summary.byTokenGroup.map((l) => [l.key, l.cost, l.requests])).toEqual([
      [null, 13_333_333n, 3],
      ["default", 2_000_000n, 1],
      ["0.3", 1_820_001n, 3],
    ]);

    // Everything was posted today: yesterday ended before the account had any entry.
    const balance = 1n * USD + 103n * USD - sum(SPENDING); // the trial's $1, then the top-up

    expect(summary.balance).toBe(balance);
    expect(summary.days[29].balanceAtEnd).toBe(balance);
    expect(summary.days[28].balanceAtEnd).toBe(0n);
    expect(summary.days[29].toppedUp).toBe(103n * USD);
    expect(summary.days.slice(0, 29).every((d) => d.toppedUp === 0n)).toBe(true);

    // The command shows the same numbers, and attaches the chart.
    const reply = await dispatch(registry, services, caller("view-numbers"), "usage", { days: "30" });
    expect(reply.error).toBeFalsy();
    const text = textOf(reply);
    expect(text).toContain(`Spent: ${formatUsd(sum(inView))}`);
    expect(text).toContain(`Requests: ${inView.length}`);
    expect(text).toContain(`gpt-4o: ${formatUsd(12_583_333n)} · 4 requests`);
    expect(text).toContain(`${utcDay(at(1))}: ${formatUsd(2_333_333n)} · 2 requests`);
    expect(text).toContain(`ci: ${formatUsd(6_000_000n)} · 2 requests`);
    expect(text).toContain(`(not reported): ${formatUsd(333_333n)} · 1 request`);
    expect(text).toContain(`0.3: ${formatUsd(1_820_001n)} · 3 requests`);
    const file = reply.blocks.find((b) => b.type === "file");
    expect(file).toMatchObject({ type: "file", mime: "image/png", name: `usage-${utcDay(now)}-30d.png` });
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });

  it("leaves the token and group breakdowns out when no record of the window names one", async () => {
    const accountId = await accountOf("view-no-tokens");
    await spend(accountId, [{ daysAgo: 2, model: "gpt-4o", cost: 10_000n }]);
    const summary = await summarizeUsage(services.prisma, accountId, 7, now);
    expect(summary.byToken).toEqual([]);
    expect(summary.byTokenGroup).toEqual([]);
    const text = textOf(await dispatch(registry, services, caller("view-no-tokens"), "usage", { days: "7" }));
    expect(text).not.toContain("By API token");
    expect(text).not.toContain("By token group");
  });

  it("with no usage and no top-up in the window: says so, and draws no chart", async () => {
    await accountOf("view-quiet");
    const reply = await dispatch(registry, services, caller("view-quiet"), "usage", {});
    expect(textOf(reply)).toContain("No usage in the last 30 days.");
    expect(textOf(reply)).toContain("Runway: no usage in the last 7 days");
    expect(reply.blocks.some((b) => b.type === "file")).toBe(false);
  });
});

describe("the runway: balance ÷ the last 7 days' average daily spend", () => {
  it("is whole days, rounded down, with bigint division (never a float)", () => {
    expect(runwayOf(10n * USD, 7n * USD)).toEqual({ kind: "days", days: 10n, dailyAverage: USD });
    // 10 ÷ (6.99 / 7) = 10.014…: 10 days.
    expect(runwayOf(10n * USD, 6_990_000n)).toEqual({ kind: "days", days: 10n, dailyAverage: 998_571n });
    // 10 ÷ (7.01 / 7) = 9.98…: 9 days, not 10.
    expect(runwayOf(10n * USD, 7_010_000n)).toMatchObject({ days: 9n });
    expect(runwayOf(1n, 7n * USD)).toMatchObject({ days: 0n });
    // Far past a float's exact range: still exact.
    expect(runwayOf(9_007_199_254_740_993n * USD, 7n)).toMatchObject({ days: 9_007_199_254_740_993_000_000n });
    expect(runwayOf(5n * USD, 0n)).toEqual({ kind: "no_usage" });
    expect(runwayOf(0n, 5n * USD)).toEqual({ kind: "used_up" });
    expect(runwayOf(-1n, 0n)).toEqual({ kind: "used_up" });
  });

  it("reads like a person would say it, in both languages", () => {
    const en = (key: string, p?: Record<string, string | number | bigint>) => translate("en", key, p);
    const zh = (key: string, p?: Record<string, string | number | bigint>) => translate("zh-CN", key, p);
    expect(runwayText(en, runwayOf(30n * USD, 14n * USD))).toBe("at the last 7 days' spend ($2.00 a day), about 15 days left");
    expect(runwayText(en, runwayOf(3n * USD, 14n * USD))).toBe("at the last 7 days' spend ($2.00 a day), about 1 day left");
    expect(runwayText(en, runwayOf(1n * USD, 14n * USD))).toBe("at the last 7 days' spend ($2.00 a day), less than a day left");
    expect(runwayText(en, runwayOf(5n * USD, 0n))).toBe("no usage in the last 7 days");
    expect(runwayText(zh, runwayOf(30n * USD, 14n * USD))).toBe("按最近 7 天的消费（每天 $2.00），大约还能用 15 天");
    expect(runwayText(zh, runwayOf(5n * USD, 0n))).toBe("最近 7 天没有用量");
  });

  it("counts only the last 7 days of the account's usage, and appears in `balance` and `usage`", async () => {
    const accountId = await accountOf("runway");
    await topUp(accountId, 100n * USD, 0n);
    await spend(accountId, SPENDING);
    const inWindow = SPENDING.filter((s) => s.daysAgo <= 6).reduce((a, s) => a + s.cost, 0n);
    const balance = 101n * USD - SPENDING.reduce((a, s) => a + s.cost, 0n); // $1 trial + $100
    const expected = runwayOf(balance, inWindow);
    expect(expected).toEqual({ kind: "days", days: (balance * 7n) / inWindow, dailyAverage: inWindow / 7n });
    expect(await estimateRunway(services.prisma, accountId, balance, now)).toEqual(expected);

    const line = `Runway: ${runwayText((k, p) => translate("en", k, p), expected)}`;
    expect(line).toContain(`about ${(balance * 7n) / inWindow} days left`);
    expect(textOf(await dispatch(registry, services, caller("runway"), "balance", {}))).toContain(line);
    expect(textOf(await dispatch(registry, services, caller("runway"), "usage", { days: "7" }))).toContain(line);
  });
});

describe("usage: a bad number of days", () => {
  it.each([["0"], ["-3"], ["400"], ["91"], ["seven"], ["7.5"], ["1e1"], ["0x10"], ["99999999999999999999"]])("%s is refused with the range, and nothing is written", async (days) => {
    const counts = async () => [
      await services.prisma.account.count(),
      await services.prisma.chatIdentity.count(),
      await services.prisma.usageRecord.count(),
      await services.prisma.ledgerEntry.count(),
      await services.prisma.outboxMessage.count(),
    ];
    const before = await counts();
    // A newcomer: a bad number must not even create their account.
    const reply = await dispatch(registry, services, caller(`bad-days-${days}`), "usage", { days });
    expect(reply.error).toBe(true);
    expect(reply.summary).toBe("The number of days must be a whole number from 1 to 90, for example: usage 30.");
    expect(reply.fieldErrors).toEqual({ days: reply.summary });
    expect(await counts()).toEqual(before);
    const zh = await dispatch(registry, services, caller(`bad-days-zh-${days}`, "zh-CN"), "usage", { days });
    expect(zh.summary).toBe("天数必须是 1 到 90 之间的整数，例如：usage 30。");
  });

  it("1 and 90 are the limits, and leaving it out means 30", async () => {
    await accountOf("limits");
    expect(textOf(await dispatch(registry, services, caller("limits"), "usage", { days: "1" }))).toContain("Your usage today");
    expect(textOf(await dispatch(registry, services, caller("limits"), "usage", { days: "90" }))).toContain("Your usage, last 90 days");
    expect(textOf(await dispatch(registry, services, caller("limits"), "usage", {}))).toContain("Your usage, last 30 days");
  });
});
