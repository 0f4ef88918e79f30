import { loadEnv, type Env } from "../config/env.ts";
import { openDatabase, type Database } from "../db/index.ts";
import { localFileStore } from "../files/store.ts";
import { createLogger, type Logger } from "../log.ts";
import type { Services } from "../services.ts";
import { StartupStepError } from "./startupStep.ts";
import { backfillPaymentTargets, needsPaymentTargets } from "../topups/backfillPaymentTargets.ts";
import { loadMethods, type MethodsConfig } from "../methods/paymentMethods.ts";

export class DemoConfigError extends Error {
  constructor(file: string) {
    super(
      `${file} is the demo payment configuration: its deposit addresses are not real, and customers would send money to them. ` +
        `Write your own methods file (see config/payment-methods.demo.json) and set PAYMENT_METHODS_FILE, or run the console playground (npm start with no Slack or Discord credentials).`,
    );
    this.name = "DemoConfigError";
  }
}

export interface ServicesOptions {
  env?: Env;
  /** The console playground may run on the demo methods; nothing else may. */
  allowDemoMethods?: boolean;
  methods?: MethodsConfig;
  db?: Database;
  log?: Logger;
  migrate?: boolean;
}

/** The database the environment names; a failure to open it says so (not a stack trace from deep in a driver). */
async function openedDatabase(env: Env): Promise<Database> {
  try {
    return await openDatabase({ url: env.DATABASE_URL, dataDir: env.PGLITE_DIR, poolSize: env.DATABASE_POOL_SIZE, statementCache: env.DATABASE_STATEMENT_CACHE });
  } catch (err) {
    throw new StartupStepError("database", err);
  }
}

/** Builds the services from the environment: database (migrated), payment methods, file store, logger. */
export async function createServices(options: ServicesOptions = {}): Promise<Services> {
  const env = options.env ?? loadEnv();
  const methods = options.methods ?? loadMethods(env.PAYMENT_METHODS_FILE);
  if (methods.demo && !options.allowDemoMethods) throw new DemoConfigError(env.PAYMENT_METHODS_FILE);
  const log = options.log ?? createLogger({ level: env.LOG_LEVEL });
  const db = options.db ?? (await openedDatabase(env));
  if (options.migrate !== false) {
    const result = await db.migrate().catch((err: unknown) => {
      throw new StartupStepError("database", err);
    });
    if (result.applied.length) log.info({ applied: result.applied }, "migrations applied");
    if (result.modified.length) log.warn({ modified: result.modified }, "applied migrations changed since they ran");
    if (await needsPaymentTargets(db.prisma)) {
      const backfilled = await backfillPaymentTargets(db.prisma, methods);
      log.info({ rows: backfilled }, "older orders given their payment chain");
    }
  }
  return { db, prisma: db.prisma, env, methods, files: localFileStore(env.FILE_STORE_DIR), log, now: () => new Date() };
}
