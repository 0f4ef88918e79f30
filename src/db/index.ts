import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { lockDataDir, type DataDirLock } from "./dataDirLock.ts";
import { pgliteDriver, postgresDriver, type SqlDriver } from "./driver.ts";
import { migrate, type MigrateResult } from "./migrate.ts";
import { PGliteThread } from "./pgliteThread.ts";
import { statementNamer } from "./statementNames.ts";

export { Prisma } from "../generated/prisma/client.ts";
export { DatabaseInUseError } from "./dataDirLock.ts";
export type { ChainTransfer, PrismaClient, TopupOrder } from "../generated/prisma/client.ts";

/** A Prisma transaction client: what every domain function that must join a transaction takes. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export interface Database {
  readonly kind: "pglite" | "postgres";
  readonly prisma: PrismaClient;
  readonly driver: SqlDriver;
  migrate(): Promise<MigrateResult>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A postgres:// URL. Without it, embedded PGlite is used. */
  url?: string;
  /** PGlite's data directory; "memory://" keeps it in memory (tests). */
  dataDir?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /**
   * How many distinct statements may be prepared on the server (planned once per connection).
   * 0 turns it off, for a pooler in transaction mode that does not support prepared statements.
   */
  statementCache?: number;
  /**
   * Where PGlite runs: "worker" (the default), a worker thread, so that queries never hold back
   * the event loop; "inline", on the calling thread, as before (kept for benchmarks).
   */
  pgliteThread?: "worker" | "inline";
  /** The PGlite worker thread's nice value on Linux (see DEFAULT_WORKER_NICE); 0 keeps the process's priority. */
  pgliteNice?: number;
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    const namer = statementNamer(options.statementCache ?? 200);
    // node-postgres leaves a statement unnamed when the name is undefined; the adapter's type says string.
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { statementNameGenerator: namer as (q: { sql: string }) => string }) });
    const driver = postgresDriver(pool, namer);
    return {
      kind: "postgres",
      prisma,
      driver,
      migrate: () => migrate(driver),
      async close() {
        await prisma.$disconnect();
        await pool.end().catch(() => undefined);
      },
    };
  }
  const dataDir = options.dataDir ?? "./data/pglite";
  let lock: DataDirLock | undefined;
  if (!dataDir.startsWith("memory://")) {
    mkdirSync(dataDir, { recursive: true });
    // Throws DatabaseInUseError while another live process has the directory open.
    lock = lockDataDir(dataDir);
  }
  let lite: { close(): Promise<void> };
  let client: PGlite;
  try {
    if (options.pgliteThread === "inline") {
      client = await PGlite.create(dataDir);
      lite = client;
    } else {
      const thread = await PGliteThread.start(dataDir, { nice: options.pgliteNice });
      client = thread.asPGlite();
      lite = thread;
    }
  } catch (err) {
    lock?.release();
    throw err;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(client) });
  const driver = pgliteDriver(client);
  let closing: Promise<void> | undefined;
  return {
    kind: "pglite",
    prisma,
    driver,
    migrate: () => migrate(driver),
    close() {
      closing ??= (async () => {
        try {
          await prisma.$disconnect();
          await lite.close();
        } finally {
          lock?.release();
        }
      })();
      return closing;
    },
  };
}
