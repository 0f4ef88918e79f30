import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/index.ts";
import type { SqlDriver } from "../../src/db/driver.ts";
import { postUsageBatch, readBalances, reconcile, totalOf, type UsageDebit, type UsageFollowUp } from "../../src/ledger/index.ts";
import { onPostgres, openTestDatabase } from "../helpers/db.ts";
import { accountWith, USD } from "../usage/fixtures.ts";

const actor = { type: "system", id: "test" } as const;
let db: Database;

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

let n = 0;
function debit(accountId: string, cost: bigint): UsageDebit {
  return {
    id: `ledger-usage-${Date.now()}-${++n}`,
    accountId,
    model: "m",
    endpoint: "/e",
    inputTokens: 1,
    outputTokens: 1,
    cachedTokens: 0,
    calls: 1,
    cost,
    time: new Date(),
  };
}

async function written(accountId: string) {
  const [usage, entries] = await Promise.all([
    db.prisma.usageRecord.count({ where: { accountId } }),
    db.prisma.ledgerEntry.count({ where: { accountId, type: "api_usage" } }),
  ]);
  return { usage, entries, balance: totalOf(await readBalances(db.prisma, accountId)) };
}

/** The driver, counting the transactions it was asked to run. */
function countingDriver(): { driver: SqlDriver; transactions: () => number } {
  let count = 0;
  const inner = db.driver;
  const driver: SqlDriver = {
    kind: inner.kind,
    withMigrationLock: (fn) => inner.withMigrationLock(fn),
    withSession: (fn) => inner.withSession(fn),
    query: (sql, params) => inner.query(sql, params),
    ...(inner.transaction ? { transaction: (fn) => (count++, inner.transaction!(fn)) } : {}),
  };
  return { driver, transactions: () => count };
}

describe("postUsageBatch: work that follows a debit is in the debit's transaction", () => {
  it("sees the debit it follows, and takes it back with it when it fails", async () => {
    const account = await accountWith(db.prisma, { principal: 10n * USD });
    let seenInside: { usage: number; entries: number } | undefined;
    const failing: UsageFollowUp = {
      wants: () => true,
      async run(tx, movements) {
        expect(movements.map((m) => [m.accountId, m.before, m.after])).toEqual([[account, 10n * USD, 8n * USD]]);
        seenInside = {
          usage: await tx.usageRecord.count({ where: { accountId: account } }),
          entries: await tx.ledgerEntry.count({ where: { accountId: account, type: "api_usage" } }),
        };
        throw new Error("the follow-up failed");
      },
    };
    await expect(postUsageBatch(db.prisma, [debit(account, 2n * USD)], { actor, driver: db.driver, followUp: failing })).rejects.toThrow("the follow-up failed");
    expect(seenInside).toEqual({ usage: 1, entries: 1 });
    expect(await written(account)).toEqual({ usage: 0, entries: 0, balance: 10n * USD });
    expect((await reconcile(db.prisma)).mismatches).toEqual([]);
  });

  it("runs only on the movements it wants, and reports them once committed", async () => {
    const [a, b] = [await accountWith(db.prisma, { principal: 10n * USD }), await accountWith(db.prisma, { principal: 10n * USD })];
    const ran: string[] = [];
    const followUp: UsageFollowUp = {
      wants: (m) => m.accountId === a,
      async run(_tx, movements) {
        ran.push(...movements.map((m) => m.accountId));
      },
    };
    const records = [debit(a, 1n * USD), debit(b, 1n * USD)];
    const result = await postUsageBatch(db.prisma, records, { actor, driver: db.driver, followUp, parallel: 2 });
    expect(result.outcomes).toEqual(["accepted", "accepted"]);
    expect(ran).toEqual([a]);
    expect(result.followedUp.map((m) => [m.accountId, m.cause])).toEqual([[a, records[0].id]]);
    expect(await written(a)).toEqual({ usage: 1, entries: 1, balance: 9n * USD });
    expect(await written(b)).toEqual({ usage: 1, entries: 1, balance: 9n * USD });
  });

  it.skipIf(!onPostgres)("goes through the driver when nothing follows, and redoes through Prisma, writing once, when something does", async () => {
    const account = await accountWith(db.prisma, { principal: 10n * USD });
    const quiet = countingDriver();
    await postUsageBatch(db.prisma, [debit(account, 1n * USD)], { actor, driver: quiet.driver, followUp: { wants: () => false, run: async () => {} } });
    expect(quiet.transactions()).toBe(1);

    const loud = countingDriver();
    let prismaTransaction = false;
    await postUsageBatch(db.prisma, [debit(account, 1n * USD)], {
      actor,
      driver: loud.driver,
      followUp: {
        wants: () => true,
        async run(tx) {
          prismaTransaction = typeof tx.usageRecord.count === "function";
        },
      },
    });
    // The driver's attempt was rolled back before it wrote: the batch is written once, through Prisma.
    expect(loud.transactions()).toBe(1);
    expect(prismaTransaction).toBe(true);
    expect(await written(account)).toEqual({ usage: 2, entries: 2, balance: 8n * USD });
    const postings = await db.prisma.posting.count({ where: { idempotencyKey: { startsWith: "usage-batch:" }, entries: { some: { accountId: account } } } });
    expect(postings).toBe(2);
  });

  it.skipIf(!onPostgres)("commits the debit with what follows it: until the follow-up is done, no other connection sees the debit", async () => {
    const account = await accountWith(db.prisma, { principal: 10n * USD });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inFollowUp = new Promise<void>((resolve) => (started = resolve));
    const posting = postUsageBatch(db.prisma, [debit(account, 3n * USD)], {
      actor,
      driver: db.driver,
      followUp: {
        wants: () => true,
        async run() {
          started();
          await gate;
        },
      },
    });
    await inFollowUp;
    expect(await written(account)).toEqual({ usage: 0, entries: 0, balance: 10n * USD });
    release();
    await posting;
    expect(await written(account)).toEqual({ usage: 1, entries: 1, balance: 7n * USD });
  });
});
