import pg from "pg";
import type { PGlite } from "@electric-sql/pglite";

/**
 * The raw SQL connection the migrator and a few operator tools need: multi-statement scripts,
 * explicit transactions, and one session for the whole run (advisory locks are per session).
 */
export interface SqlSession {
  exec(sql: string): Promise<void>;
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface SqlDriver {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` on one session holding the migration lock, released afterwards. */
  withMigrationLock<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /** One session for a read-only job (exports, reconcile). */
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /**
   * One statement on whichever connection is free, outside any transaction; on PGlite it waits
   * for a transaction in progress, as every other query does.
   */
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `fn` in one transaction on one session of its own: committed when `fn` returns, rolled
   * back when it throws. On PGlite, whose one session Prisma's adapter shares, it is PGlite's own
   * transaction: it holds the same mutex as Prisma's transactions and queries, so nothing else
   * runs on the session until it ends.
   */
  transaction?<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
}

/** The advisory lock key Prisma's own migrate engine takes, so both exclude each other. */
export const PRISMA_MIGRATION_LOCK_KEY = 72707369;

/**
 * @param statementName names statements to prepare on the server (see statementNames.ts); the
 * same namer as the Prisma adapter's, so both share what each connection has prepared.
 */
export function postgresDriver(pool: pg.Pool, statementName: (query: { sql: string }) => string | undefined = () => undefined): SqlDriver {
  const session = (client: pg.PoolClient): SqlSession => ({
    async exec(sql) {
      await client.query(sql);
    },
    async query(sql, params) {
      const result = await client.query({ text: sql, values: params as unknown[], name: statementName({ sql }) });
      return result.rows;
    },
  });
  return {
    kind: "postgres",
    async query(sql, params) {
      const result = await pool.query({ text: sql, values: params as unknown[], name: statementName({ sql }) });
      return result.rows;
    },
    async withMigrationLock(fn) {
      const client = await pool.connect();
      try {
        await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATION_LOCK_KEY]);
        try {
          return await fn(session(client));
        } finally {
          await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATION_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    },
    async withSession(fn) {
      const client = await pool.connect();
      try {
        return await fn(session(client));
      } finally {
        client.release();
      }
    },
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const result = await fn(session(client));
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw err;
      } finally {
        // A connection that could not even roll back is closed rather than handed out again.
        client.release(broken);
      }
    },
  };
}

export function pgliteDriver(db: PGlite): SqlDriver {
  // PGlite is one connection owned by this process: its data directory cannot be opened by a
  // second process, so an in-process queue is the whole of the locking it needs.
  let queue: Promise<unknown> = Promise.resolve();
  const session: SqlSession = {
    async exec(sql) {
      await db.exec(sql);
    },
    async query(sql, params) {
      const result = await db.query(sql, params as unknown[]);
      return result.rows as never;
    },
  };
  const serialize = <T>(fn: (s: SqlSession) => Promise<T>): Promise<T> => {
    const run = queue.then(() => fn(session));
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    kind: "pglite",
    query: session.query,
    withMigrationLock: serialize,
    withSession: serialize,
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          async exec(sql) {
            await tx.exec(sql);
          },
          async query(sql, params) {
            return (await tx.query(sql, params as unknown[])).rows as never;
          },
        }),
      ),
  };
}
