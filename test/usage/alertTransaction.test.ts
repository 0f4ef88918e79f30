import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/index.ts";
import { readBalances } from "../../src/ledger/postEntries.ts";
import { totalOf } from "../../src/ledger/types.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { parseUsageBatch } from "../../src/usage/usageRecord.ts";
import { onPostgres, openTestDatabase } from "../helpers/db.ts";
import { accountWith, USD, usageRecord } from "./fixtures.ts";

describe.skipIf(!onPostgres)("a usage batch that crosses a low-balance threshold", () => {
  let db: Database & { url?: string };
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it("commits the debit and the alert together: while the alert cannot be written, the debit is not visible either", async () => {
    const accountId = await accountWith(db.prisma, { principal: 6n * USD }, { threshold: 5n * USD });
    await db.prisma.chatIdentity.create({ data: { accountId, platform: "slack", workspaceId: "T1", userId: "U-tx" } });
    const { valid } = parseUsageBatch({ records: [usageRecord(accountId, 2n * USD), usageRecord(accountId, 0n)] });

    // Another session holds the outbox: the alert's insert waits for it.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query(`LOCK TABLE "outbox_messages" IN EXCLUSIVE MODE`);
      // As the HTTP route does on PostgreSQL: through the driver, two transactions per batch.
      const ingest = ingestUsage(db.prisma, valid, { driver: db.driver, parallel: 2 });
      for (let waited = 0; ; waited += 50) {
        const { rows } = await blocker.query(
          `SELECT count(*)::int AS n FROM pg_locks
           WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND relation = '"outbox_messages"'::regclass`,
        );
        if (rows[0].n > 0) break;
        if (waited > 20_000) throw new Error("the alert never reached the outbox");
        await new Promise((r) => setTimeout(r, 50));
      }
      // The debit is written, in a transaction that has not committed.
      expect(await db.prisma.usageRecord.count({ where: { accountId } })).toBe(0);
      expect(totalOf(await readBalances(db.prisma, accountId))).toBe(6n * USD);
      await blocker.query("ROLLBACK");

      const result = await ingest;
      expect(result.accepted).toHaveLength(2);
      expect(result.alerts).toBe(1);
    } finally {
      await blocker.end();
    }
    expect(await db.prisma.usageRecord.count({ where: { accountId } })).toBe(2);
    expect(totalOf(await readBalances(db.prisma, accountId))).toBe(4n * USD);
    const alerts = await db.prisma.outboxMessage.findMany({ where: { dedupeKey: { startsWith: `low-balance:${accountId}:` } } });
    expect(alerts).toHaveLength(1);
    // The alert names the batch's last record on the account as its cause.
    expect(alerts[0].dedupeKey).toBe(`low-balance:${accountId}:usage:${valid[1].record.id}`);
    expect((await db.prisma.account.findUniqueOrThrow({ where: { id: accountId } })).lowBalanceArmed).toBe(false);
  });
});
