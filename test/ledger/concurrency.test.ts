import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/index.ts";
import { grantTrialStage, post, readBalances, reconcile, totalOf, type PostingRequest } from "../../src/ledger/index.ts";
import { onPostgres, openTestDatabase } from "../helpers/db.ts";

// PGlite is one connection: nothing runs concurrently there, so these prove nothing on it.
describe.skipIf(!onPostgres)("concurrent postings on PostgreSQL", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase({ poolSize: 20 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it("200 mixed credits and debits on one account end at the exact balance, and reconcile is clean", async () => {
    const { id } = await db.prisma.account.create({ data: {} });
    const seed = 100_000_000n;
    await post(db.prisma, {
      idempotencyKey: `seed-${id}`,
      actor: { type: "system" },
      lines: [{ accountId: id, type: "usdt_topup", bucket: "principal", amount: seed }],
    });

    // Debits never exceed what the seed alone covers, so none may be refused in any order:
    // the final balance is then exact, whatever order the database picks.
    const requests: PostingRequest[] = Array.from({ length: 200 }, (_, i) => {
      const amount = BigInt(i + 1) * 1_001n;
      const base = { idempotencyKey: `mix-${id}-${i}`, actor: { type: "system" as const, id: `writer-${i}` } };
      switch (i % 5) {
        case 0:
          return { ...base, lines: [{ accountId: id, type: "usdt_topup", bucket: "principal", amount }] };
        case 1:
          return { ...base, lines: [{ accountId: id, type: "topup_bonus", bucket: "bonus", amount }] };
        case 2:
          return { ...base, lines: [{ accountId: id, type: "voucher", bucket: "promo", amount }] };
        case 3:
          return { ...base, lines: [{ accountId: id, type: "api_usage", amount: -amount }] };
        default:
          return { ...base, lines: [{ accountId: id, type: "admin_adjustment", bucket: "principal", amount: -amount }] };
      }
    });
    const expected = requests.reduce((sum, r) => sum + r.lines[0].amount, seed);

    const results = await Promise.all(requests.map((r) => post(db.prisma, r)));
    expect(results.every((r) => !r.replayed)).toBe(true);

    const balances = await readBalances(db.prisma, id);
    expect(totalOf(balances)).toBe(expected);
    expect(await db.prisma.posting.count({ where: { idempotencyKey: { startsWith: `mix-${id}-` } } })).toBe(200);

    // Each entry's balance-after continues the previous one: no two writers read the same balance.
    const entries = await db.prisma.ledgerEntry.findMany({ where: { accountId: id }, orderBy: { id: "asc" } });
    let running = 0n;
    const perBucket = new Map<string, bigint>();
    for (const e of entries) {
      running += e.amount;
      perBucket.set(e.bucket, (perBucket.get(e.bucket) ?? 0n) + e.amount);
      expect(e.balanceAfter).toBe(running);
      expect(e.bucketBalanceAfter).toBe(perBucket.get(e.bucket));
    }
    expect(running).toBe(expected);

    const report = await reconcile(db.prisma);
    expect(report.mismatches).toEqual([]);
  });

  it("50 writers with one idempotency key leave exactly one posting and its entries", async () => {
    const a = (await db.prisma.account.create({ data: {} })).id;
    const b = (await db.prisma.account.create({ data: {} })).id;
    const request: PostingRequest = {
      idempotencyKey: `one-key-${a}`,
      actor: { type: "support", id: "U_SUPPORT" },
      reference: "order:T-42",
      lines: [
        { accountId: a, type: "usdt_topup", bucket: "principal", amount: 10_000_000n },
        { accountId: a, type: "topup_bonus", bucket: "bonus", amount: 2_000_000n },
        { accountId: b, type: "referral_reward", bucket: "promo", amount: 500_000n },
      ],
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => post(db.prisma, request)));

    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.postingId)).size).toBe(1);
    expect(await db.prisma.posting.count({ where: { idempotencyKey: request.idempotencyKey } })).toBe(1);
    const entries = await db.prisma.ledgerEntry.findMany({ where: { accountId: { in: [a, b] } } });
    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.postingId === results[0].postingId)).toBe(true);
    expect(totalOf(await readBalances(db.prisma, a))).toBe(12_000_000n);
    expect(totalOf(await readBalances(db.prisma, b))).toBe(500_000n);
  });

  it("grants a trial stage once when 20 requests race for it", async () => {
    const { id } = await db.prisma.account.create({ data: {} });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        grantTrialStage(db.prisma, { accountId: id, stage: 1, amount: 1_000_000n, actor: { type: "system" } }),
      ),
    );
    // Losers either see the grant as already made or replay the first posting; none writes.
    for (const o of outcomes) {
      if (o.status === "rejected") expect(o.reason).toMatchObject({ key: "errors.trial_stage_granted" });
    }
    const written = outcomes.filter((o) => o.status === "fulfilled" && !o.value.replayed);
    expect(written).toHaveLength(1);
    expect(await db.prisma.ledgerEntry.count({ where: { accountId: id } })).toBe(1);
    expect((await readBalances(db.prisma, id)).trial).toBe(1_000_000n);
  });

  it("does not deadlock when postings lock the same two accounts from opposite sides", async () => {
    const a = (await db.prisma.account.create({ data: {} })).id;
    const b = (await db.prisma.account.create({ data: {} })).id;
    const fund = (id: string) =>
      post(db.prisma, { idempotencyKey: `fund-${id}`, actor: { type: "system" }, lines: [{ accountId: id, type: "usdt_topup", bucket: "principal", amount: 1_000_000_000n }] });
    await fund(a);
    await fund(b);
    const transfer = (from: string, to: string, i: number) =>
      post(db.prisma, {
        idempotencyKey: `xfer-${from}-${i}`,
        actor: { type: "support", id: "U1" },
        lines: [
          { accountId: from, type: "admin_adjustment", bucket: "principal", amount: -1_000n },
          { accountId: to, type: "admin_adjustment", bucket: "principal", amount: 1_000n },
        ],
      });
    await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? transfer(a, b, i) : transfer(b, a, i))));
    expect(totalOf(await readBalances(db.prisma, a))).toBe(1_000_000_000n);
    expect(totalOf(await readBalances(db.prisma, b))).toBe(1_000_000_000n);
    expect((await reconcile(db.prisma)).mismatches).toEqual([]);
  });
});
