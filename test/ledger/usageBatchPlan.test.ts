import { describe, expect, it } from "vitest";
import {
  chunkByAccount,
  emptyBalances,
  firstOccurrences,
  parseLockedBatch,
  planPostingLines,
  planUsageBatch,
  type AccountAlertSettings,
  type Bucket,
  type BucketBalances,
  type LockedBatch,
  type SeenUsage,
  type UsageDebit,
} from "../../src/ledger/index.ts";
import { alertTransition } from "../../src/notify/lowBalance.ts";

const USD = 1_000_000n;
const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";
const C = "00000000-0000-4000-8000-00000000000c";
const NOBODY = "00000000-0000-4000-8000-0000000000ff";
const ALERTS_OFF: AccountAlertSettings = { threshold: null, armed: true, locale: "en" };

let n = 0;
function debit(accountId: string, cost: bigint, overrides: Partial<UsageDebit> = {}): UsageDebit {
  return {
    id: `rec-${++n}`,
    accountId,
    model: "gpt-4o-mini",
    endpoint: "/v1/chat/completions",
    inputTokens: 10,
    outputTokens: 5,
    cachedTokens: 0,
    calls: 1,
    cost,
    time: new Date("2026-11-30T12:00:00Z"),
    ...overrides,
  };
}

/** What the locks would read: accounts with their cached balance rows, and records already debited. */
function locked(
  accounts: Record<string, { balances?: Partial<BucketBalances>; settings?: AccountAlertSettings }>,
  seen: Record<string, SeenUsage> = {},
): LockedBatch {
  return {
    accounts: new Map(
      Object.entries(accounts).map(([id, a]) => [
        id,
        {
          balances: { ...emptyBalances(), ...a.balances },
          stored: new Set(Object.keys(a.balances ?? {}) as Bucket[]),
          settings: a.settings ?? ALERTS_OFF,
        },
      ]),
    ),
    seen: new Map(Object.entries(seen)),
  };
}

describe("planUsageBatch: spending order", () => {
  it("takes trial, then promo, then bonus, then principal, with running balances, part by part", () => {
    const state = locked({ [A]: { balances: { trial: 1n * USD, promo: 1n * USD, bonus: 2n * USD, principal: 10n * USD } } });
    const records = [debit(A, 500_000n), debit(A, 2n * USD), debit(A, 3n * USD)];
    const plan = planUsageBatch(records, state);

    expect(plan.outcomes).toEqual(["accepted", "accepted", "accepted"]);
    expect(plan.accepted).toEqual([0, 1, 2]);
    expect(plan.entries.map((e) => [e.record, e.part, e.bucket, e.amount, e.balanceAfter, e.bucketBalanceAfter])).toEqual([
      [0, 0, "trial", -500_000n, 13_500_000n, 500_000n],
      [1, 0, "trial", -500_000n, 13_000_000n, 0n],
      [1, 1, "promo", -1_000_000n, 12_000_000n, 0n],
      [1, 2, "bonus", -500_000n, 11_500_000n, 1_500_000n],
      [2, 0, "bonus", -1_500_000n, 10_000_000n, 0n],
      [2, 1, "principal", -1_500_000n, 8_500_000n, 8_500_000n],
    ]);
    expect(plan.balances).toEqual([
      { accountId: A, bucket: "trial", amount: 0n, stored: true },
      { accountId: A, bucket: "promo", amount: 0n, stored: true },
      { accountId: A, bucket: "bonus", amount: 0n, stored: true },
      { accountId: A, bucket: "principal", amount: 8_500_000n, stored: true },
    ]);
    // The locked state is what was read: planning works on copies.
    expect(state.accounts.get(A)!.balances.trial).toBe(1n * USD);
  });

  it("follows the spending order it is given", () => {
    const plan = planUsageBatch([debit(A, 2n * USD)], locked({ [A]: { balances: { trial: 1n * USD, principal: 10n * USD } } }), ["principal", "trial"]);
    expect(plan.entries.map((e) => [e.bucket, e.amount])).toEqual([["principal", -2n * USD]]);
    expect(plan.balances).toEqual([{ accountId: A, bucket: "principal", amount: 8n * USD, stored: true }]);
  });

  it("keeps each account's balances apart, in the order the records came", () => {
    const plan = planUsageBatch(
      [debit(B, 1n * USD), debit(A, 2n * USD), debit(B, 3n * USD)],
      locked({ [A]: { balances: { principal: 10n * USD } }, [B]: { balances: { principal: 5n * USD } } }),
    );
    expect(plan.entries.map((e) => [e.accountId, e.balanceAfter])).toEqual([
      [B, 4n * USD],
      [A, 8n * USD],
      [B, 1n * USD],
    ]);
    expect(plan.movements.map((m) => [m.accountId, m.before, m.after])).toEqual([
      [B, 5n * USD, 1n * USD],
      [A, 10n * USD, 8n * USD],
    ]);
  });
});

describe("below zero: only usage", () => {
  it("takes usage below zero on the last bucket of the spending order, never on another", () => {
    const plan = planUsageBatch([debit(A, 3n * USD)], locked({ [A]: { balances: { bonus: 1n * USD, principal: 500_000n } } }));
    expect(plan.outcomes).toEqual(["accepted"]);
    expect(plan.entries.map((e) => [e.bucket, e.amount, e.bucketBalanceAfter, e.balanceAfter])).toEqual([
      ["bonus", -1n * USD, 0n, 500_000n],
      ["principal", -2n * USD, -1_500_000n, -1_500_000n],
    ]);
    // A bucket row the account did not have is inserted, not updated.
    const fresh = planUsageBatch([debit(B, 1n * USD)], locked({ [B]: {} }));
    expect(fresh.balances).toEqual([{ accountId: B, bucket: "principal", amount: -1n * USD, stored: false }]);
  });

  it("refuses any other posting that would take a bucket or the account below zero, and lets api_usage through", () => {
    const balances = () => new Map([[A, { ...emptyBalances(), principal: 1n * USD }]]);
    const order = ["trial", "promo", "bonus", "principal"] as const;
    expect(planPostingLines([{ accountId: A, type: "admin_adjustment", bucket: "principal", amount: -2n * USD }], balances(), order).refused).toBe(true);
    expect(planPostingLines([{ accountId: A, type: "refund", bucket: "principal", amount: -1n * USD }], balances(), order).refused).toBe(false);
    const usage = planPostingLines([{ accountId: A, type: "api_usage", amount: -3n * USD }], balances(), order);
    expect(usage.refused).toBe(false);
    expect(usage.planned.map((e) => [e.bucket, e.amount, e.balanceAfter])).toEqual([["principal", -3n * USD, -2n * USD]]);
  });
});

describe("duplicates", () => {
  it("within a batch: the first occurrence counts; the same charge again is a duplicate, another charge a conflict", () => {
    const first = debit(A, 100n);
    const records = [first, { ...first }, { ...first, cost: 999n }, { ...first, accountId: B }, debit(A, 200n)];
    const plan = planUsageBatch(records, locked({ [A]: { balances: { principal: 1n * USD } }, [B]: { balances: { principal: 1n * USD } } }));
    expect(plan.outcomes).toEqual(["accepted", "duplicate", "conflict", "conflict", "accepted"]);
    expect(plan.accepted).toEqual([0, 4]);
    expect(plan.entries.map((e) => e.amount)).toEqual([-100n, -200n]);
    expect(plan.movements.map((m) => [m.accountId, m.after])).toEqual([[A, 1n * USD - 300n]]);

    // The pass over the whole batch, before it is split by account, decides the same.
    const pass = firstOccurrences(records);
    expect(pass.first).toEqual([0, 4]);
    expect(pass.outcomes).toEqual([undefined, "duplicate", "conflict", "conflict", undefined]);
  });

  it("the first occurrence counts whatever becomes of it", () => {
    const ghost = debit(NOBODY, 100n);
    const plan = planUsageBatch([ghost, { ...ghost }, { ...ghost, accountId: A }], locked({ [A]: { balances: { principal: 1n * USD } } }));
    expect(plan.outcomes).toEqual(["unknown_account", "duplicate", "conflict"]);
    expect(plan.entries).toEqual([]);
    expect(plan.movements).toEqual([]);
  });

  it("against records debited before: the same charge is a duplicate, another a conflict, and neither writes", () => {
    const old = debit(A, 100n);
    const seen = { [old.id]: { accountId: A, cost: 100n, model: old.model, endpoint: old.endpoint } };
    const state = locked({ [A]: { balances: { principal: 1n * USD } } }, seen);
    const plan = planUsageBatch([old, { ...old, endpoint: "/v1/embeddings" }, { ...old, accountId: B }], state);
    expect(plan.outcomes).toEqual(["duplicate", "conflict", "conflict"]);
    expect(plan.accepted).toEqual([]);
    expect(plan.entries).toEqual([]);
    expect(plan.balances).toEqual([]);
  });

  it("records a zero-cost call as accepted, without an entry", () => {
    const plan = planUsageBatch([debit(A, 0n)], locked({ [A]: { balances: { principal: 1n * USD } } }));
    expect(plan.outcomes).toEqual(["accepted"]);
    expect(plan.accepted).toEqual([0]);
    expect(plan.entries).toEqual([]);
    expect(plan.balances).toEqual([]);
  });
});

describe("account movements: the low-balance alert", () => {
  const armed = { threshold: 5n * USD, armed: true, locale: "zh-CN" };

  it("reports a batch that crosses the threshold once, from before the batch to after it, caused by its last record", () => {
    const records = [debit(A, 2n * USD), debit(B, 1n * USD), debit(A, 2n * USD), debit(A, 500_000n)];
    const plan = planUsageBatch(
      records,
      locked({ [A]: { balances: { principal: 8n * USD }, settings: armed }, [B]: { balances: { principal: 20n * USD }, settings: armed } }),
    );
    const a = plan.movements.find((m) => m.accountId === A)!;
    expect(a).toMatchObject({ before: 8n * USD, after: 3_500_000n, cause: records[3].id, settings: armed });
    expect(a.balances.principal).toBe(3_500_000n);
    expect(alertTransition(a.settings, a.before, a.after)).toBe("notify");
    // 8 → 6 was above the threshold and 6 → 4 crossed it, but one batch alerts once: its movement is 8 → 3.5.
    const b = plan.movements.find((m) => m.accountId === B)!;
    expect(alertTransition(b.settings, b.before, b.after)).toBe("none");
  });

  it("reports an account with only a zero-cost record, so that a disarmed alert above its threshold re-arms", () => {
    const plan = planUsageBatch([debit(A, 0n)], locked({ [A]: { balances: { principal: 9n * USD }, settings: { ...armed, armed: false } } }));
    const [m] = plan.movements;
    expect(m).toMatchObject({ accountId: A, before: 9n * USD, after: 9n * USD });
    expect(alertTransition(m.settings, m.before, m.after)).toBe("rearm");
  });
});

describe("the batch's shape", () => {
  it("reads what usage_batch_lock_and_read returns", () => {
    const state = parseLockedBatch(
      JSON.stringify({
        accounts: [
          [A, "5000000", true, "en"],
          [B, null, false, "zh-CN"],
        ],
        balances: [
          [A, "principal", "12000000"],
          [A, "bonus", "-1"],
        ],
        seen: [["rec-x", B, "1500", "m", "/e"]],
      }),
    );
    expect(state.accounts.get(A)).toEqual({
      balances: { ...emptyBalances(), principal: 12n * USD, bonus: -1n },
      stored: new Set(["principal", "bonus"]),
      settings: { threshold: 5n * USD, armed: true, locale: "en" },
    });
    expect(state.accounts.get(B)).toEqual({ balances: emptyBalances(), stored: new Set(), settings: { threshold: null, armed: false, locale: "zh-CN" } });
    expect(state.seen.get("rec-x")).toEqual({ accountId: B, cost: 1500n, model: "m", endpoint: "/e" });
  });

  it("splits a batch into parts of whole accounts, contiguous in id order, each in the batch's order", () => {
    const records = [debit(C, 1n), debit(A, 1n), debit(B, 1n), debit(A, 1n), debit(C, 1n), debit(B, 1n)];
    expect(chunkByAccount(records, [0, 1, 2, 3, 4, 5], 2)).toEqual([
      [1, 2, 3, 5],
      [0, 4],
    ]);
    expect(chunkByAccount(records, [0, 1, 2, 3, 4, 5], 1)).toEqual([[0, 1, 2, 3, 4, 5]]);
    expect(chunkByAccount(records, [1, 3], 4)).toEqual([[1, 3]]);
    expect(chunkByAccount(records, [], 2)).toEqual([]);
  });
});
