import { EventEmitter, once } from "node:events";
import type { Writable } from "node:stream";
import type { Env } from "../config/env.ts";
import { openDatabase, type Database } from "../db/index.ts";

/** What a CLI subcommand writes to: a terminal, a file, or a test's buffer. */
export interface Output {
  write(chunk: string): boolean;
  once?(event: "drain", listener: () => void): unknown;
  /** True on a terminal: only then are progress bars drawn. */
  isTTY?: boolean;
  columns?: number;
}

export interface CliContext {
  env: Env;
  stdout: Output;
  stderr: Output;
  /** Opens the database named by the environment on first use; the CLI closes it at exit. */
  database(): Promise<Database>;
}

/** Exit codes: 0 fine, 1 the check failed (reconcile found mismatches, migration failed), 2 bad usage or bad environment. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A usage mistake: the CLI prints the message and the subcommand's usage, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface CliSubcommand {
  /** The first word after `credit-desk`. */
  name: string;
  /** One or more lines, each a full invocation with a short explanation. */
  usage: string;
  run(argv: string[], ctx: CliContext): Promise<number>;
}

/**
 * The database the environment names: PostgreSQL when DATABASE_URL is set, otherwise embedded
 * PGlite in PGLITE_DIR. Opened lazily so that `--help` and usage errors need no database.
 */
export function lazyDatabase(env: Env, given?: Database): { get(): Promise<Database>; close(): Promise<void> } {
  let opened: Promise<Database> | undefined = given ? Promise.resolve(given) : undefined;
  return {
    get() {
      opened ??= openDatabase({
        url: env.DATABASE_URL,
        dataDir: env.PGLITE_DIR,
        poolSize: env.DATABASE_POOL_SIZE,
        statementCache: env.DATABASE_STATEMENT_CACHE,
      });
      return opened;
    },
    async close() {
      if (!opened || given) return;
      const db = await opened.catch(() => undefined);
      await db?.close();
    },
  };
}

/** Writes respecting back-pressure, so a long export to a slow pipe does not pile up in memory. */
export async function writeAll(out: Output, chunk: string): Promise<void> {
  const stream = out as Partial<Writable>;
  if (stream.errored) throw stream.errored;
  if (stream.destroyed) throw new Error("the output was closed");
  if (out.write(chunk)) return;
  // events.once also rejects on "error", so a failing file or a closed pipe ends the export.
  if (out instanceof EventEmitter) await once(out, "drain");
  else if (out.once) await new Promise<void>((resolve) => out.once!("drain", resolve));
}
