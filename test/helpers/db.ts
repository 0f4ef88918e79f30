import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../../src/db/index.ts";

/**
 * The back end a test file runs on: PGlite in memory by default; PostgreSQL when the suite runs
 * in the "postgres" project (TEST_DB=postgres, with DATABASE_URL naming a server where we may
 * create databases). Each call gets a fresh, migrated database of its own.
 */
export const backend: "pglite" | "postgres" = process.env.TEST_DB === "postgres" ? "postgres" : "pglite";
export const onPostgres = backend === "postgres";

export async function createTestDatabaseUrl(): Promise<string> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error("TEST_DB=postgres needs DATABASE_URL");
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function openTestDatabase(options: { poolSize?: number } = {}): Promise<Database & { url?: string }> {
  if (onPostgres) {
    const url = await createTestDatabaseUrl();
    const db = await openDatabase({ url, poolSize: options.poolSize ?? 20 });
    await db.migrate();
    const close = db.close.bind(db);
    // Each test database is dropped when its test closes it, so a dev server does not fill up.
    return Object.assign(db, {
      url,
      async close() {
        await close();
        await dropDatabase(url);
      },
    });
  }
  const db = await openDatabase({ dataDir: "memory://" });
  await db.migrate();
  return db;
}

async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    // Without FORCE: a test that still holds other connections to it keeps its database (killing
    // them would surface as errors in that test); the rest are dropped.
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`).catch(() => undefined);
  } finally {
    await admin.end();
  }
}
