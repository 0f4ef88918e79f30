import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/index.ts";
import { UserError } from "../../src/errors.ts";
import { emptyBalances, post, readBalances, splitDebit, type Bucket } from "../../src/ledger/index.ts";
import { openTestDatabase } from "../helpers/db.ts";

const USD = 1_000_000n;

describe("splitDebit", () => {
  it("takes trial, then promo, then bonus, then principal", () => {
    const balances = { ...emptyBalances(), trial: 1n * USD, promo: 2n * USD, bonus: 3n * USD, principal: 4n * USD };
    expect(splitDebit(7_500_000n, balances, ["trial", "promo", "bonus", "principal"])).toEqual([
      { bucket: "trial", amount: -1_000_000n },
      { bucket: "promo", amount: -2_000_000n },
      { bucket: "bonus", amount: -3_000_000n },
      { bucket: "principal", amount: -1_500_000n },
    ]);
  });

  it("puts what is left past zero on the last bucket", () => {
    const balances = { ...emptyBalances(), bonus: 1n * USD, principal: -2n * USD };
    expect(splitDebit(3n * USD, balances, ["trial", "promo", "bonus", "principal"])).toEqual([
      { bucket: "bonus", amount: -1_000_000n },
      { bucket: "principal", amount: -2_000_000n },
    ]);
  });

  it("follows a configured order", () => {
    const balances = { ...emptyBalances(), trial: 1n * USD, principal: 5n * USD };
    expect(splitDebit(2n * USD, balances, ["principal", "trial"])).toEqual([{ bucket: "principal", amount: -2_000_000n }]);
  });
});

describe("spending order in postings", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  let n = 0;
  async function fundedAccount(funds: Partial<Record<Bucket, bigint>>): Promise<string> {
    const account = await db.prisma.account.create({ data: {} });
    const types: Record<Bucket, "usdt_topup" | "topup_bonus" | "trial_credit" | "voucher"> = {
      principal: "usdt_topup",
      bonus: "topup_bonus",
      trial: "trial_credit",
      promo: "voucher",
    };
    await post(db.prisma, {
      idempotencyKey: `fund-${account.id}`,
      actor: { type: "system" },
      lines: Object.entries(funds).map(([bucket, amount]) => ({
        accountId: account.id,
        type: types[bucket as Bucket],
        bucket: bucket as Bucket,
        amount: amount!,
      })),
    });
    return account.id;
  }

  const usage = (accountId: string, amount: bigint) =>
    post(db.prisma, {
      idempotencyKey: `usage-${accountId}-${n++}`,
      actor: { type: "system", id: "gateway" },
      lines: [{ accountId, type: "api_usage", amount: -amount }],
    });

  it("spends trial → promo → bonus → principal and records each part as an entry", async () => {
    const id = await fundedAccount({ trial: 1n * USD, promo: 2n * USD, bonus: 3n * USD, principal: 4n * USD });
    const result = await usage(id, 7_500_000n);
    expect(result.entries.map((e) => [e.bucket, e.amount, e.bucketBalanceAfter, e.balanceAfter])).toEqual([
      ["trial", -1_000_000n, 0n, 9_000_000n],
      ["promo", -2_000_000n, 0n, 7_000_000n],
      ["bonus", -3_000_000n, 0n, 4_000_000n],
      ["principal", -1_500_000n, 2_500_000n, 2_500_000n],
    ]);
    expect(result.entries.every((e) => e.type === "api_usage")).toBe(true);
    expect(await readBalances(db.prisma, id)).toEqual({ trial: 0n, promo: 0n, bonus: 0n, principal: 2_500_000n });
  });

  it("records usage past zero on principal", async () => {
    const id = await fundedAccount({ bonus: 1n * USD, principal: 1n * USD });
    const result = await usage(id, 3n * USD);
    expect(result.accounts[0].after).toBe(-1_000_000n);
    expect(await readBalances(db.prisma, id)).toEqual({ trial: 0n, promo: 0n, bonus: 0n, principal: -1_000_000n });
    // Once below zero, further usage still lands, all on principal.
    const more = await usage(id, 500_000n);
    expect(more.entries.map((e) => [e.bucket, e.amount])).toEqual([["principal", -500_000n]]);
    expect(more.accounts[0].after).toBe(-1_500_000n);
  });

  it.each([
    ["admin_adjustment", "principal"],
    ["refund", "principal"],
    ["bonus_reversal", "bonus"],
  ] as const)("refuses a %s that would take %s below zero, and writes nothing", async (type, bucket) => {
    const id = await fundedAccount({ principal: 1n * USD, bonus: 1n * USD });
    const attempt = post(db.prisma, {
      idempotencyKey: `debit-${id}`,
      actor: { type: "support", id: "U1" },
      lines: [{ accountId: id, type, bucket, amount: -1_000_001n }],
    });
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    await expect(attempt).rejects.toMatchObject({ key: "errors.insufficient_balance" });
    expect(await db.prisma.posting.count({ where: { idempotencyKey: `debit-${id}` } })).toBe(0);
    expect(await db.prisma.ledgerEntry.count({ where: { accountId: id } })).toBe(2);
    expect(await readBalances(db.prisma, id)).toEqual({ trial: 0n, promo: 0n, bonus: 1_000_000n, principal: 1_000_000n });
    // Exactly the balance is allowed: zero is not below zero.
    const exact = await post(db.prisma, {
      idempotencyKey: `debit-exact-${id}`,
      actor: { type: "support", id: "U1" },
      lines: [{ accountId: id, type, bucket, amount: -1_000_000n }],
    });
    expect(exact.entries[0].bucketBalanceAfter).toBe(0n);
  });

  it("refuses any non-usage debit from a bucket that usage took below zero", async () => {
    const id = await fundedAccount({ bonus: 2n * USD });
    await usage(id, 3n * USD); // bonus 0, principal -1
    const refund = post(db.prisma, {
      idempotencyKey: `refund-${id}`,
      actor: { type: "support", id: "U1" },
      lines: [{ accountId: id, type: "refund", bucket: "principal", amount: -1n }],
    });
    await expect(refund).rejects.toMatchObject({ key: "errors.insufficient_balance" });
  });
});
