import { z } from "zod";
import { usdSchema } from "../ledger/money.ts";

/**
 * Every environment variable the bot reads, parsed in one place. Secrets are listed in
 * SECRET_VARIABLES so the logger can redact them. `.env.example` documents each one.
 */
const csv = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : []));

const usd = (fallback: string) => usdSchema().prefault(fallback);

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .optional()
    .transform((v) => (v === undefined ? fallback : ["true", "1", "yes"].includes(v)));

const url = z.string().url();

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "a postgres:// URL")
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_STATEMENT_CACHE: z.coerce.number().int().min(0).max(10_000).default(200),
    PGLITE_DIR: z.string().default("./data/pglite"),

    PAYMENT_METHODS_FILE: z.string().default("./config/payment-methods.demo.json"),
    ONBOARDING_MODE: z.enum(["self-serve", "linked"]).default("self-serve"),
    TRIAL_STAGE1_USD: usd("1"),
    TRIAL_STAGE2_USD: usd("1"),
    /** An adjustment or voucher larger than this (in absolute value) waits for a second support member's approval. */
    ADJUST_APPROVAL_USD: usd("100"),
    /** Redemption codes of a "new accounts" batch: an account is new for this many days after it was created. */
    CODES_NEW_ACCOUNT_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
    /** HMAC keys redemption codes are stored under; the first hashes new codes, every one is tried when redeeming. */
    REDEMPTION_CODE_SECRET: csv.pipe(z.array(z.string().min(32, "each key at least 32 characters"))),
    /** The inviter's reward, in basis points of the invitee's confirmed principal (1000 = 10%). */
    INVITE_REWARD_BPS: z.coerce.number().int().min(0).max(10_000).default(1000),
    /** A new account may accept an invite within this many days of its creation. */
    INVITE_ACCEPT_DAYS: z.coerce.number().int().min(1).max(365).default(7),
    /** What the invitee must have spent on API usage before the inviter's reward can be transferred. */
    INVITE_UNLOCK_USD: usd("10"),
    /** The invitation link shown with an invite code: a page of the platform, with {code} where the code goes. */
    INVITE_LINK_TEMPLATE: z.string().regex(/^https?:\/\/[^\s{}]*\{code\}[^\s{}]*$/, "an http(s) URL with {code} where the invite code goes").optional(),
    LOW_BALANCE_DEFAULT_USD: usd("5"),
    ORDER_TTL_MINUTES: z.coerce.number().int().min(5).max(10080).default(60),
    SCREENSHOT_MAX_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(5 * 1024 * 1024),
    FILE_STORE_DIR: z.string().default("./data/files"),
    SPENDING_ORDER: z
      .string()
      .default("trial,promo,bonus,principal")
      .transform((v) => v.split(",").map((s) => s.trim()))
      .pipe(z.array(z.enum(["trial", "promo", "bonus", "principal"])).min(1)),
    DEFAULT_LOCALE: z.enum(["en", "zh-CN"]).default("en"),

    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** Where the web server is reachable from a browser (signed screenshot links on support cards). */
    PUBLIC_URL: url.optional(),
    API_KEYS: csv,
    /** With it, GET /metrics wants `Authorization: Bearer <METRICS_TOKEN>`. */
    METRICS_TOKEN: z.string().min(16, "at least 16 characters").optional(),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, "a redis:// URL").optional(),
    OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
    USAGE_INGEST_PARALLEL: z.coerce.number().int().min(1).max(16).default(2),

    SLACK_BOT_TOKEN: z.string().regex(/^xox[bp]-/, "a bot token starting with xoxb-").optional(),
    SLACK_SIGNING_SECRET: z.string().min(8).optional(),
    SLACK_APP_TOKEN: z.string().regex(/^xapp-/, "an app-level token starting with xapp-").optional(),
    SLACK_SUPPORT_CHANNEL: z.string().optional(),
    SLACK_SUPPORT_USERS: csv,
    SLACK_SUPPORT_USERGROUP: z.string().optional(),
    SLACK_API_URL: url.optional(),
    SLACK_COMMAND: z.string().regex(/^\/[a-z0-9_-]{1,31}$/, "a slash command such as /credits").default("/credits"),
    /** The support slash command on Slack (confirm, reject, queue, account, …), kept out of the customer command's usage hint. */
    SLACK_ADMIN_COMMAND: z.string().regex(/^\/[a-z0-9_-]{1,31}$/, "a slash command such as /credits-admin").default("/credits-admin"),

    DISCORD_TOKEN: z.string().min(10).optional(),
    DISCORD_APPLICATION_ID: z.string().regex(/^\d{5,25}$/, "a numeric snowflake").optional(),
    DISCORD_SUPPORT_CHANNEL: z.string().regex(/^\d{5,25}$/, "a numeric channel id").optional(),
    DISCORD_SUPPORT_ROLES: csv,
    /** The guilds the bot serves (comma-separated snowflakes); empty: any guild the bot is in. */
    DISCORD_GUILD_ID: csv.pipe(z.array(z.string().regex(/^\d{5,25}$/, "a numeric guild id"))),
    DISCORD_API_URL: url.optional(),
    DISCORD_COMMAND: z.string().regex(/^[a-z0-9_-]{1,32}$/, "a command name such as credits").default("credits"),
    /** The support command on Discord: the support commands as its subcommands, shown only to whom server admins allow. */
    DISCORD_ADMIN_COMMAND: z.string().regex(/^[a-z0-9_-]{1,32}$/, "a command name such as credits-admin").default("credits-admin"),

    CONSOLE_USER: z.string().default("console-customer"),
    CONSOLE_SUPPORT_USER: z.string().default("console-support"),

    /** Webhook endpoints (JSON; each names its secret's variable WEBHOOK_SECRET_<NAME>). */
    WEBHOOKS_FILE: z.string().optional(),
    /** How often the event relay reads new ledger entries, audit rows and low-balance messages. */
    RELAY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
    /** The new-api / one-api connector: off unless GATEWAY_KIND is set. */
    GATEWAY_KIND: z.enum(["new-api", "one-api"]).optional(),
    GATEWAY_URL: url.optional(),
    GATEWAY_ADMIN_TOKEN: z.string().min(8, "at least 8 characters").optional(),
    GATEWAY_ADMIN_USER_ID: z.coerce.number().int().min(1).optional(),
    GATEWAY_QUOTA_PER_USD: z.coerce.number().int().min(1).max(1_000_000_000).default(500_000),
    GATEWAY_ENTRY_TYPES: z
      .string()
      .default("usdt_topup,topup_bonus,admin_adjustment,voucher,refund,bonus_reversal,redemption_credit,referral_reward,trial_credit")
      .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.enum(["trial_credit", "usdt_topup", "topup_bonus", "admin_adjustment", "redemption_credit", "referral_reward", "voucher", "refund", "bonus_reversal"]))),
    GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    GATEWAY_PULL_LOGS: bool(false),
    GATEWAY_LOG_POLL_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  })
  .superRefine((env, ctx) => {
    if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
      ctx.addIssue({ code: "custom", path: ["SLACK_SIGNING_SECRET"], message: "required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)" });
    }
    if (env.SLACK_BOT_TOKEN && !env.SLACK_SUPPORT_CHANNEL) {
      ctx.addIssue({ code: "custom", path: ["SLACK_SUPPORT_CHANNEL"], message: "required with SLACK_BOT_TOKEN" });
    }
    if (env.SLACK_BOT_TOKEN && !env.SLACK_SUPPORT_USERS?.length && !env.SLACK_SUPPORT_USERGROUP) {
      ctx.addIssue({ code: "custom", path: ["SLACK_SUPPORT_USERS"], message: "name support members (or SLACK_SUPPORT_USERGROUP)" });
    }
    if (env.DISCORD_TOKEN) {
      for (const name of ["DISCORD_APPLICATION_ID", "DISCORD_SUPPORT_CHANNEL"] as const) {
        if (!env[name]) ctx.addIssue({ code: "custom", path: [name], message: "required with DISCORD_TOKEN" });
      }
      if (!env.DISCORD_SUPPORT_ROLES?.length) {
        ctx.addIssue({ code: "custom", path: ["DISCORD_SUPPORT_ROLES"], message: "name at least one support role id" });
      }
    }
    if (env.SLACK_ADMIN_COMMAND === env.SLACK_COMMAND) {
      ctx.addIssue({ code: "custom", path: ["SLACK_ADMIN_COMMAND"], message: "must differ from SLACK_COMMAND" });
    }
    if (env.DISCORD_ADMIN_COMMAND === env.DISCORD_COMMAND) {
      ctx.addIssue({ code: "custom", path: ["DISCORD_ADMIN_COMMAND"], message: "must differ from DISCORD_COMMAND" });
    }
    if (env.GATEWAY_KIND) {
      for (const name of ["GATEWAY_URL", "GATEWAY_ADMIN_TOKEN"] as const) {
        if (!env[name]) ctx.addIssue({ code: "custom", path: [name], message: "required with GATEWAY_KIND" });
      }
      if (env.GATEWAY_KIND === "new-api" && !env.GATEWAY_ADMIN_USER_ID) {
        ctx.addIssue({ code: "custom", path: ["GATEWAY_ADMIN_USER_ID"], message: "required with GATEWAY_KIND=new-api (the New-Api-User header: the id of the token's owner)" });
      }
    }
    // Runs even when other variables failed (`when` below), so every problem is reported at once.
  }, { when: () => true });

export type Env = z.infer<typeof envSchema>;

export const SECRET_VARIABLES = [
  "DATABASE_URL",
  "API_KEYS",
  "METRICS_TOKEN",
  "REDIS_URL",
  "SLACK_BOT_TOKEN",
  "SLACK_SIGNING_SECRET",
  "SLACK_APP_TOKEN",
  "DISCORD_TOKEN",
  "GATEWAY_ADMIN_TOKEN",
  "REDEMPTION_CODE_SECRET",
] as const;

/** Webhook secrets are named by the webhooks file; every variable with this prefix is a secret. */
const SECRET_PREFIXES = ["WEBHOOK_SECRET_"] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Parses the environment; every bad or missing variable is reported at once. Values are never echoed.
 * `notNeeded` names variables a task never reads (discord:deploy registers commands without the
 * support channel and roles): their problems are not reported, and they are left unset.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env, options: { notNeeded?: readonly (keyof Env)[] } = {}): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const notNeeded = (name: PropertyKey | undefined) => (options.notNeeded ?? []).some((n) => n === name);
  const problems = result.error.issues.filter((issue) => !notNeeded(issue.path[0])).map((issue) => `${issue.path.join(".") || "(environment)"}: ${issue.message}`);
  if (problems.length) throw new ConfigError(problems);
  // Only checks about unneeded variables failed: the rest parsed alone, without the cross-variable checks that named them.
  return z.object(envSchema.shape).parse(Object.fromEntries(Object.entries(cleaned).filter(([name]) => !notNeeded(name)))) as Env;
}

/** The secret values in force, for log redaction. */
export function secretValues(source: NodeJS.ProcessEnv = process.env): string[] {
  const values: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const raw = source[name];
    if (!raw) continue;
    if (name === "API_KEYS" || name === "REDEMPTION_CODE_SECRET") values.push(...raw.split(",").map((s) => s.trim()).filter((s) => s.length >= 4));
    else values.push(raw);
    if (name === "DATABASE_URL" || name === "REDIS_URL") {
      const password = /\/\/[^:/]+:([^@]+)@/.exec(raw)?.[1];
      if (password) values.push(password);
    }
  }
  for (const [name, raw] of Object.entries(source)) {
    if (!raw || !SECRET_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    values.push(raw, ...raw.split(",").map((s) => s.trim()).filter((s) => s.length >= 4));
  }
  return values;
}
