import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebServer, type WebServer } from "../../src/http/server.ts";
import { post, readBalances } from "../../src/ledger/postEntries.ts";
import {
  BIGINT_MAX,
  MAX_USAGE_COST,
  planUsageBatch,
  USAGE_BALANCE_FLOOR,
  type LockedBatch,
  type UsageDebit,
} from "../../src/ledger/postUsageBatch.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { emptyBalances, totalOf, type Bucket, type BucketBalances } from "../../src/ledger/types.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";
import { accountWith, USD, usageRecord, type RawRecord } from "./fixtures.ts";

/**
 * Issue 13: records that pass a naive schema and that PostgreSQL then refuses (a time in year 0,
 * costs whose sum leaves bigint, ids that PostgreSQL stores as the same string) must be rejected
 * one by one: a batch never fails as a whole because of one record, or the gateway, which resends
 * after a 5xx, would resend it for ever and the good records in it would never be billed.
 */

const KEY = "bad-records-key-4e1d77";
let services: Services;
let web: WebServer;

beforeAll(async () => {
  services = await createTestServices({ env: { API_KEYS: KEY } });
  web = await startWebServer(services, 0, "127.0.0.1");
});
afterAll(async () => {
  await web?.close();
  await services?.db.close();
});

interface UsageAnswer {
  accepted: string[];
  duplicates: string[];
  rejected: { index: number; id: string | null; reason: string; message: string; fields?: Record<string, string> }[];
  counts: { accepted: number; duplicates: number; rejected: number };
}

async function send(records: RawRecord[]): Promise<{ status: number; json: UsageAnswer; text: string }> {
  const res = await fetch(`http://127.0.0.1:${web.port}/api/v1/usage`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    // JSON.stringify writes a lone surrogate as a \udXXX escape, which JSON.parse reads back as one.
    body: JSON.stringify({ records }),
  });
  const text = await res.text();
  let json: UsageAnswer;
  try {
    json = JSON.parse(text) as UsageAnswer;
  } catch {
    json = {} as UsageAnswer;
  }
  return { status: res.status, json, text };
}

const balanceOf = async (accountId: string) => totalOf(await readBalances(services.prisma, accountId));
const usageRows = (accountId: string) => services.prisma.usageRecord.count({ where: { accountId } });

/**
 * Sends the batch twice. Both times: 200; the good records accepted the first time and duplicates
 * the second, the bad ones rejected with `reason` (and, for invalid records, a message on
 * `field`) both times; nothing written for them; reconcile clean.
 */
async function expectOnlyBadOnesRejected(
  records: RawRecord[],
  bad: number[],
  expected: { reason: string; field?: string; message: RegExp },
): Promise<UsageAnswer> {
  const goodIds = records.filter((_r, i) => !bad.includes(i)).map((r) => r.id);
  const first = await send(records);
  expect(first.status, first.text).toBe(200);
  expect(first.json.accepted).toEqual(goodIds);
  expect(first.json.duplicates).toEqual([]);
  expect(first.json.rejected.map((r) => r.index)).toEqual(bad);
  for (const rejected of first.json.rejected) {
    expect(rejected.reason).toBe(expected.reason);
    expect(rejected.id).toBe(records[rejected.index].id);
    if (expected.field) expect(Object.keys(rejected.fields ?? {})).toEqual([expected.field]);
    expect(rejected.message).toMatch(expected.message);
  }

  const again = await send(records);
  expect(again.status, again.text).toBe(200);
  expect(again.json.accepted).toEqual([]);
  expect(again.json.duplicates).toEqual(goodIds);
  expect(again.json.rejected.map((r) => [r.index, r.reason])).toEqual(first.json.rejected.map((r) => [r.index, r.reason]));

  expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  return first.json;
}

describe("POST /api/v1/usage: one bad record never fails its batch", () => {
  it("rejects times outside 2000-01-01T00:00:00Z .. one day after now (year 0 included), and debits the rest once", async () => {
    const account = await accountWith(services.prisma, { principal: 5n * USD });
    const other = await accountWith(services.prisma, { principal: 5n * USD });
    const now = Date.now();
    const records = [
      usageRecord(account, 1_000n, { time: "0000-01-01T00:00:00Z" }),
      usageRecord(account, 100_000n),
      // 0001-01-01 at +01:00 is 0000-12-31 in UTC: year 0, which PostgreSQL does not have.
      usageRecord(account, 1_000n, { time: "0001-01-01T00:30:00+01:00" }),
      usageRecord(other, 200_000n, { time: "2000-01-01T00:00:00Z" }),
      usageRecord(other, 1_000n, { time: "1999-12-31T23:59:59.999Z" }),
      // Year 10000 in UTC: JavaScript writes it +010000-01-01, which PostgreSQL does not read.
      usageRecord(other, 1_000n, { time: "9999-12-31T23:59:59-05:00" }),
      usageRecord(other, 1_000n, { time: new Date(now + 25 * 3_600_000).toISOString() }),
      usageRecord(other, 300_000n, { time: new Date(now + 23 * 3_600_000).toISOString() }),
    ];
    await expectOnlyBadOnesRejected(records, [0, 2, 4, 5, 6], {
      reason: "invalid_record",
      field: "time",
      message: /^time: .*from 2000-01-01T00:00:00Z to 24 hours after/,
    });
    expect(await balanceOf(account)).toBe(5n * USD - 100_000n);
    expect(await balanceOf(other)).toBe(5n * USD - 500_000n);
    expect(await usageRows(account)).toBe(1);
    expect(await usageRows(other)).toBe(2);
  });

  it("rejects a cost over $1,000,000 per record, so ten of 999999999999999999 cannot overflow bigint", async () => {
    const account = await accountWith(services.prisma, { principal: 5n * USD });
    const other = await accountWith(services.prisma, { principal: 5n * USD });
    const huge = Array.from({ length: 10 }, () => usageRecord(account, "999999999999999999"));
    const records = [
      usageRecord(account, 100_000n),
      ...huge.slice(0, 5),
      usageRecord(other, 1_000_000_000_000n),
      ...huge.slice(5),
      usageRecord(account, 1_000_000_000_001n),
      usageRecord(account, 200_000n),
    ];
    await expectOnlyBadOnesRejected(records, [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12], {
      reason: "invalid_record",
      field: "cost",
      message: /^cost: at most 1000000000000 micro-USD \(\$1,000,000\.00\) per record$/,
    });
    expect(await balanceOf(account)).toBe(5n * USD - 300_000n);
    expect(await balanceOf(other)).toBe(5n * USD - 1_000_000_000_000n);
  });

  it("stops usage at a balance of -$1,000,000,000 record by record, with running totals inside a batch", async () => {
    const MAX_COST = 1_000_000_000_000n;
    const FLOOR = -1_000_000_000_000_000n;
    const account = await accountWith(services.prisma);
    const other = await accountWith(services.prisma, { principal: 5n * USD });
    // Down to 5e11 above the floor, in one batch of 1,000 records of the largest cost.
    const down = [...Array.from({ length: 999 }, () => usageRecord(account, MAX_COST)), usageRecord(account, MAX_COST / 2n)];
    const first = await send(down);
    expect(first.status, first.text).toBe(200);
    expect(first.json.counts).toEqual({ accepted: 1000, duplicates: 0, rejected: 0 });
    expect(await balanceOf(account)).toBe(FLOOR + MAX_COST / 2n);

    const records = [
      usageRecord(account, MAX_COST),
      usageRecord(account, 400_000_000_000n),
      usageRecord(other, 100_000n),
      usageRecord(account, 200_000_000_000n),
      usageRecord(account, 100_000_000_000n),
      usageRecord(account, 0n),
      usageRecord(account, 1n),
    ];
    const answer = await expectOnlyBadOnesRejected(records, [0, 3, 6], {
      reason: "balance_out_of_range",
      message: /below -\$1,000,000,000/,
    });
    expect(answer.rejected[0].message).toContain(account);
    expect(await balanceOf(account)).toBe(FLOOR);
    expect(await balanceOf(other)).toBe(5n * USD - 100_000n);
    const entries = await services.prisma.ledgerEntry.findMany({ where: { accountId: account }, orderBy: { id: "desc" }, take: 2 });
    expect(entries.map((e) => e.balanceAfter)).toEqual([FLOOR, FLOOR + 100_000_000_000n]);
  });

  it("never takes a balance past bigint: usage on an account another posting took near its bottom is rejected, not a 500", async () => {
    const account = await accountWith(services.prisma);
    const other = await accountWith(services.prisma, { principal: 5n * USD });
    // 854,775,808 micro-USD above PostgreSQL's smallest bigint: usage posted one posting at a time
    // (postEntries lets api_usage go below zero, with no floor).
    await post(services.prisma, {
      idempotencyKey: `near-bottom:${account}`,
      actor: { type: "system", id: "test" },
      lines: [{ accountId: account, type: "api_usage", amount: -9_223_372_036_000_000_000n }],
    });
    const records = [usageRecord(other, 100_000n), usageRecord(account, 1_000_000_000_000n), usageRecord(account, 0n), usageRecord(account, 1n)];
    await expectOnlyBadOnesRejected(records, [1, 3], { reason: "balance_out_of_range", message: /below -\$1,000,000,000/ });
    expect(await balanceOf(account)).toBe(-9_223_372_036_000_000_000n);
    expect(await balanceOf(other)).toBe(5n * USD - 100_000n);
  });

  it("rejects ids, models and endpoints that are not well-formed Unicode (lone surrogates)", async () => {
    const account = await accountWith(services.prisma, { principal: 5n * USD });
    const records = [
      usageRecord(account, 100_000n, { id: `ok-🚀-${crypto.randomUUID()}`, model: "名前 🚀" }),
      // PostgreSQL would store both as "\uFFFDa": the same id.
      usageRecord(account, 1_000n, { id: "\uD800a" }),
      usageRecord(account, 1_000n, { id: "\uDC00a" }),
      usageRecord(account, 1_000n, { model: "gpt\uD83D" }),
      usageRecord(account, 1_000n, { endpoint: "/v1/\uDE80chat" }),
      usageRecord(account, 200_000n),
    ];
    await expectOnlyBadOnesRejected(records, [1, 2, 3, 4], {
      reason: "invalid_record",
      message: /^(id|model|endpoint): well-formed Unicode \(no lone surrogate/,
    });
    expect(await balanceOf(account)).toBe(5n * USD - 300_000n);
    expect(await usageRows(account)).toBe(2);
  });

  it("rejects control characters and bidirectional overrides in ids, models and endpoints", async () => {
    const account = await accountWith(services.prisma, { principal: 5n * USD });
    const unsafe: RawRecord[] = [
      { model: "\u001b[2J" },
      { endpoint: "/v1/chat\u0007" },
      { model: "gpt\b\b\bxxx" },
      { endpoint: "/v1/chat\rfake" },
      { model: "tab\tbed" },
      { model: "new\nline" },
      { model: "del\u007f" },
      { endpoint: "\u009b2J" },
      { model: "gpt \u202eevil" },
      { endpoint: "/v1/\u2066x\u2069" },
      { id: `id-\u001b]0;title\u0007-${crypto.randomUUID()}` },
    ];
    const records = [
      usageRecord(account, 100_000n),
      ...unsafe.map((overrides) => usageRecord(account, 1_000n, overrides)),
      usageRecord(account, 200_000n, { model: "gpt-4o «mini» — ünï", endpoint: "/v1/chat/completions?x=1" }),
    ];
    const answer = await expectOnlyBadOnesRejected(records, unsafe.map((_u, i) => i + 1), {
      reason: "invalid_record",
      message: /^(id|model|endpoint): no control characters or bidirectional overrides \(found U\+[0-9A-F]{4}\)$/,
    });
    expect(answer.rejected[0].message).toBe("model: no control characters or bidirectional overrides (found U+001B)");
    expect(answer.rejected[8].message).toBe("model: no control characters or bidirectional overrides (found U+202E)");
    expect(await balanceOf(account)).toBe(5n * USD - 300_000n);
    expect(await usageRows(account)).toBe(2);
  });
});

describe("planUsageBatch: nothing it plans leaves the bigint range", () => {
  const A = "00000000-0000-4000-8000-00000000000a";
  const B = "00000000-0000-4000-8000-00000000000b";
  const settings = { threshold: null, armed: true, locale: "en" };
  let n = 0;
  const debit = (accountId: string, cost: bigint): UsageDebit => ({
    id: `plan-${++n}`,
    accountId,
    model: "m",
    endpoint: "e",
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    calls: 1,
    cost,
    time: new Date("2026-01-01T00:00:00Z"),
  });
  const locked = (balances: Record<string, Partial<BucketBalances>>): LockedBatch => ({
    accounts: new Map(
      Object.entries(balances).map(([id, b]) => [id, { balances: { ...emptyBalances(), ...b }, stored: new Set(Object.keys(b) as Bucket[]), settings }]),
    ),
    seen: new Map(),
  });
  const everyValue = (plan: ReturnType<typeof planUsageBatch>) => [
    ...plan.entries.flatMap((e) => [e.amount, e.balanceAfter, e.bucketBalanceAfter]),
    ...plan.balances.map((b) => b.amount),
  ];

  it("refuses a cost outside 0 .. MAX_USAGE_COST even when the schema was bypassed", () => {
    const plan = planUsageBatch(
      [debit(A, MAX_USAGE_COST + 1n), debit(A, -5n), debit(A, 999_999_999_999_999_999n), debit(A, MAX_USAGE_COST)],
      locked({ [A]: { principal: 0n } }),
    );
    expect(plan.outcomes).toEqual(["out_of_range", "out_of_range", "out_of_range", "accepted"]);
    expect(plan.entries.map((e) => [e.record, e.amount, e.balanceAfter])).toEqual([[3, -MAX_USAGE_COST, -MAX_USAGE_COST]]);
  });

  it("refuses a debit that would take the total or a bucket below the floor, and keeps the running totals of the rest", () => {
    // The bucket debited last is already at the floor while the total is well above it.
    const state = locked({ [A]: { trial: 5n, principal: USAGE_BALANCE_FLOOR }, [B]: { principal: USAGE_BALANCE_FLOOR + 10n } });
    const plan = planUsageBatch([debit(A, 5n), debit(A, 1n), debit(B, 11n), debit(B, 10n), debit(B, 1n), debit(B, 0n)], state);
    expect(plan.outcomes).toEqual(["accepted", "out_of_range", "out_of_range", "accepted", "out_of_range", "accepted"]);
    expect(plan.balances).toEqual([
      { accountId: A, bucket: "trial", amount: 0n, stored: true },
      { accountId: B, bucket: "principal", amount: USAGE_BALANCE_FLOOR, stored: true },
    ]);
    expect(plan.movements.map((m) => [m.accountId, m.before, m.after])).toEqual([
      [A, USAGE_BALANCE_FLOOR + 5n, USAGE_BALANCE_FLOOR],
      [B, USAGE_BALANCE_FLOOR + 10n, USAGE_BALANCE_FLOOR],
    ]);
    for (const value of everyValue(plan)) expect(value >= USAGE_BALANCE_FLOOR && value <= BIGINT_MAX).toBe(true);
  });

  it("refuses a debit whose balance after would be past bigint (buckets summing beyond it), writing nothing for it", () => {
    const plan = planUsageBatch([debit(A, 1n), debit(A, 0n)], locked({ [A]: { principal: BIGINT_MAX, bonus: BIGINT_MAX } }));
    expect(plan.outcomes).toEqual(["out_of_range", "accepted"]);
    expect(plan.entries).toEqual([]);
    expect(plan.balances).toEqual([]);
  });
});
