import type { Env } from "./config/env.ts";
import type { Database, PrismaClient } from "./db/index.ts";
import type { Logger } from "./log.ts";
import type { MethodsConfig } from "./methods/paymentMethods.ts";
import type { FileStore } from "./files/store.ts";

/** What command handlers and workers are given: the database, configuration and stores. */
export interface Services {
  db: Database;
  prisma: PrismaClient;
  env: Env;
  methods: MethodsConfig;
  files: FileStore;
  log: Logger;
  /** The time, injectable so expiry can be tested without waiting. */
  now: () => Date;
}
