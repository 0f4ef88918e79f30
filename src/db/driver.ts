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
}

/** The advisory lock key Prisma's own migrate engine takes, so both exclude each other. */
export const PRISMA_MIGRATION_LOCK_KEY = 72707369;

export function postgresDriver(pool: pg.Pool): SqlDriver {
  const session = (client: pg.PoolClient): SqlSession => ({
    async exec(sql) {
      await client.query(sql);
    },
    async query(sql, params) {
      const result = await client.query(sql, params as unknown[]);
      return result.rows;
    },
  });
  return {
    kind: "postgres",
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
  return { kind: "pglite", withMigrationLock: serialize, withSession: serialize };
}
