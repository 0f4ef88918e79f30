import type { SqlDriver } from "./driver.ts";
import type { Tx } from "./index.ts";

/**
 * One SQL statement with positional parameters ($1, $2, …), its rows as objects. Statements run
 * through it cast every column they return to text (amounts, ids, JSON), so that a row reads the
 * same whichever client ran it.
 */
export type SqlQuery = <T extends Record<string, unknown>>(sql: string, params: unknown[]) => Promise<T[]>;

/** Through Prisma: inside a transaction, or wherever a Prisma client is at hand. */
export function queryVia(tx: Tx): SqlQuery {
  return (sql, params) => tx.$queryRawUnsafe(sql, ...params);
}

/**
 * Straight through the database's own driver, outside any transaction: a read on a chat
 * command's hot path. Prisma's own work per statement (about 0.2 ms of CPU) runs on the thread
 * that also acknowledges Slack; the driver's is a fraction of it. One statement on any free
 * connection (not a session of its own: an operator's long read-only session must not hold a
 * command back); on PGlite it waits for a transaction in progress, as any other query does.
 */
export function queryDirect(driver: SqlDriver): SqlQuery {
  return (sql, params) => driver.query(sql, params);
}
