import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { ConfigError, loadEnv, type Env } from "../config/env.ts";
import type { Database } from "../db/index.ts";
import { isUserError } from "../errors.ts";
import { translate } from "../i18n.ts";
import { subcommands } from "./commands/index.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, lazyDatabase, UsageError, type CliContext, type CliSubcommand, type Output } from "./context.ts";
import { printable } from "../lib/printable.ts";

export interface CliOptions {
  /** The environment to configure from; process.env by default. */
  environment?: NodeJS.ProcessEnv;
  stdout?: Output;
  stderr?: Output;
  /** An open database to use instead of the one the environment names (tests); left open. */
  database?: Database;
  commands?: CliSubcommand[];
}

function usage(commands: CliSubcommand[]): string {
  const lines = commands.flatMap((c) => c.usage.split("\n")).map((l) => (l.startsWith(" ") ? `              ${l}` : `  credit-desk ${l}`));
  return [
    "Usage:",
    ...lines,
    "",
    "The database is PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite in PGLITE_DIR.",
    "Exit status: 0 success, 1 the check or the operation failed, 2 bad usage or bad environment.",
    "",
  ].join("\n");
}

/** Runs one CLI invocation and returns its exit status; never calls process.exit. */
export async function main(argv: string[], options: CliOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const commands = options.commands ?? subcommands;
  const [name, ...rest] = argv;

  if (!name || name === "help" || name === "--help" || name === "-h") {
    (name ? stdout : stderr).write(usage(commands));
    return name ? EXIT_OK : EXIT_USAGE;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    stderr.write(`unknown command "${printable(name)}"\n\n${usage(commands)}`);
    return EXIT_USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    stdout.write(usage([command]));
    return EXIT_OK;
  }

  let env: Env;
  try {
    env = loadEnv(options.environment ?? process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      stderr.write(`${printable(err.message, { keepNewlines: true })}\nSee .env.example for every variable.\n`);
      return EXIT_USAGE;
    }
    throw err;
  }

  const db = lazyDatabase(env, options.database);
  const ctx: CliContext = { env, stdout, stderr, database: db.get };
  try {
    return await command.run(rest, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`${printable(err.message, { keepNewlines: true })}\n\n${usage([command])}`);
      return EXIT_USAGE;
    }
    if (isUserError(err)) {
      stderr.write(`${printable(translate("en", err.key, err.params), { keepNewlines: true })}\n`);
      return EXIT_FAILED;
    }
    // Prisma prefixes its own "Invalid `prisma.x()` invocation" banner; the last line is the cause.
    const message = (err instanceof Error ? err.message : String(err)).trim().split("\n").filter(Boolean).pop() ?? "unknown error";
    // 42P01: undefined_table, i.e. a database nobody has migrated yet.
    const hint = /42P01|does not exist/.test(message) && name !== "migrate" ? "\nHas the database been migrated? Run: credit-desk migrate" : "";
    stderr.write(`${name} failed: ${printable(message)}${hint}\n`);
    return EXIT_FAILED;
  } finally {
    await db.close();
  }
}

/** The process entry: loads ./.env when present (variables already set win), runs, exits. */
export async function runCli(argv = process.argv.slice(2)): Promise<never> {
  if (existsSync(".env") && typeof process.loadEnvFile === "function") process.loadEnvFile(".env");
  // `credit-desk ledger export | head` closes the pipe early; that is not an error worth a stack.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(EXIT_OK);
    throw err;
  });
  const status = await main(argv);
  process.exit(status);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runCli();
}
