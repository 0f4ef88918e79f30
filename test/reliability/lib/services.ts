import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createServices } from "../../../src/app/createServices.ts";
import { loadEnv } from "../../../src/config/env.ts";
import { openDatabase } from "../../../src/db/index.ts";
import { createLogger } from "../../../src/log.ts";
import { parseMethods, type MethodsConfig } from "../../../src/methods/paymentMethods.ts";
import type { Services } from "../../../src/services.ts";
import { TEST_METHODS_JSON } from "../../helpers/services.ts";
import type { LogCapture } from "./capture.ts";

export interface RealServicesOptions {
  /** A postgres:// URL (migrated here unless `migrate` is false). */
  url: string;
  /** Variables besides the secrets of the process environment. */
  env?: Record<string, string>;
  methods?: MethodsConfig;
  capture: LogCapture;
  /** The name this logger's lines are captured under. */
  name: string;
  logLevel?: string;
  poolSize?: number;
  migrate?: boolean;
}

/**
 * The secrets every web process of the run has, read from the process environment the runner
 * set up (the chat tokens are added by the sections that start a chat surface).
 */
export function secretEnv(): Record<string, string> {
  const names = ["API_KEYS", "METRICS_TOKEN"];
  return Object.fromEntries(names.flatMap((n) => (process.env[n] ? [[n, process.env[n]!]] : [])));
}

/**
 * Real services on a real PostgreSQL database, as createServices builds them in production,
 * with a logger whose lines go to the run's capture (scrubbed of the secrets it knows, as the
 * production logger is: createLogger reads them from the process environment).
 */
export async function realServices(options: RealServicesOptions): Promise<Services> {
  const db = await openDatabase({ url: options.url, poolSize: options.poolSize ?? 12 });
  if (options.migrate !== false) await db.migrate();
  const files = mkdtempSync(path.join(tmpdir(), "cd-reliability-files-"));
  const level = options.logLevel ?? "debug";
  const env = loadEnv({ FILE_STORE_DIR: files, LOG_LEVEL: level, DATABASE_URL: options.url, ...secretEnv(), ...options.env });
  return createServices({
    env,
    db,
    methods: options.methods ?? parseMethods(TEST_METHODS_JSON),
    log: createLogger({ level, destination: options.capture.stream(options.name) }),
    migrate: false,
  });
}
