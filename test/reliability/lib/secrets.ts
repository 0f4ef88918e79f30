import { randomBytes } from "node:crypto";

/**
 * The secrets of one run, fresh and random, so that a hit in the logs can only come from this
 * run. They are put into the process environment before anything builds a logger: the project's
 * logger reads the secrets it must scrub from there, as it does in production, and every child
 * process gets them the same way.
 */
export interface RunSecrets {
  SLACK_BOT_TOKEN: string;
  SLACK_SIGNING_SECRET: string;
  DISCORD_TOKEN: string;
  API_KEY_1: string;
  API_KEY_2: string;
  METRICS_TOKEN: string;
  /** The password of the run's database role (in every DATABASE_URL of the run). */
  DATABASE_PASSWORD: string;
}

const hex = (n: number) => randomBytes(n).toString("hex");

export function makeSecrets(databasePassword: string): RunSecrets {
  return {
    SLACK_BOT_TOKEN: `xoxb-${BigInt("0x" + hex(5))}-${BigInt("0x" + hex(5))}-${randomBytes(18).toString("base64url")}`,
    SLACK_SIGNING_SECRET: hex(16),
    DISCORD_TOKEN: `${randomBytes(18).toString("base64url")}.${randomBytes(4).toString("base64url")}.${randomBytes(27).toString("base64url")}`,
    API_KEY_1: `cdk_${hex(16)}`,
    API_KEY_2: `cdk_${hex(16)}`,
    METRICS_TOKEN: `mt_${hex(16)}`,
    DATABASE_PASSWORD: databasePassword,
  };
}

/** What the process environment holds, as the project's variables name them. */
export function installSecrets(secrets: RunSecrets, databaseUrl: string): void {
  process.env.SLACK_BOT_TOKEN = secrets.SLACK_BOT_TOKEN;
  process.env.SLACK_SIGNING_SECRET = secrets.SLACK_SIGNING_SECRET;
  process.env.DISCORD_TOKEN = secrets.DISCORD_TOKEN;
  process.env.API_KEYS = `${secrets.API_KEY_1},${secrets.API_KEY_2}`;
  process.env.METRICS_TOKEN = secrets.METRICS_TOKEN;
  process.env.DATABASE_URL = databaseUrl;
}

/** Name → value, for the scan. */
export function scanList(secrets: RunSecrets): Record<string, string> {
  return { ...secrets };
}
