import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError, type Env } from "../config/env.ts";
import { WEBHOOK_EVENTS, type WebhookEvent } from "./events.ts";

/**
 * Webhook endpoints are configured in a JSON file (WEBHOOKS_FILE), and each names the environment
 * variable that holds its secret, so the file can be committed and the secret cannot. The
 * variables must be called WEBHOOK_SECRET_<NAME>: the logger redacts every variable of that name.
 *
 *   { "endpoints": [ { "id": "billing", "url": "https://billing.example.com/hooks/credit-desk",
 *       "secretEnv": "WEBHOOK_SECRET_BILLING", "events": ["topup.confirmed", "refund.approved"] } ] }
 */
export const WEBHOOK_SECRET_PREFIX = "WEBHOOK_SECRET_";
const MIN_SECRET_LENGTH = 24;

const endpointSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "lower-case letters, digits, - and _ (at most 40)"),
  url: z
    .string()
    .url("an http(s) URL")
    .refine((u) => /^https?:\/\//.test(u), "an http(s) URL"),
  secretEnv: z.string().regex(/^WEBHOOK_SECRET_[A-Z0-9_]+$/, "the name of an environment variable WEBHOOK_SECRET_<NAME>"),
  events: z.union([z.literal("*"), z.array(z.enum(WEBHOOK_EVENTS)).min(1, "at least one event")]),
  /** How long to wait for the endpoint's answer, in ms. */
  timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
});

const fileSchema = z.object({ endpoints: z.array(endpointSchema) }).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.endpoints.forEach((e, i) => {
    if (seen.has(e.id)) ctx.addIssue({ code: "custom", path: ["endpoints", i, "id"], message: `duplicate endpoint id "${e.id}"` });
    seen.add(e.id);
  });
});

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: ReadonlySet<WebhookEvent>;
  /** One secret, or two while rotating (each request is signed with both). */
  secrets: string[];
  timeoutMs: number;
}

export interface WebhookConfig {
  endpoints: WebhookEndpoint[];
}

export const NO_WEBHOOKS: WebhookConfig = { endpoints: [] };

/** The endpoints of `raw` (the parsed file), their secrets read from `source`; every problem reported at once, no value echoed. */
export function parseWebhookConfig(raw: unknown, source: NodeJS.ProcessEnv): WebhookConfig {
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `WEBHOOKS_FILE ${i.path.join(".") || "(file)"}: ${i.message}`));
  }
  const problems: string[] = [];
  const endpoints = parsed.data.endpoints.map((e) => {
    const secrets = (source[e.secretEnv] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    if (secrets.length === 0) problems.push(`${e.secretEnv}: required by webhook endpoint "${e.id}"`);
    else if (secrets.length > 2) problems.push(`${e.secretEnv}: one secret, or two separated by a comma while rotating`);
    else if (secrets.some((s) => s.length < MIN_SECRET_LENGTH)) problems.push(`${e.secretEnv}: each secret at least ${MIN_SECRET_LENGTH} characters`);
    return { id: e.id, url: e.url, events: new Set<WebhookEvent>(e.events === "*" ? WEBHOOK_EVENTS : e.events), secrets, timeoutMs: e.timeoutMs };
  });
  if (problems.length) throw new ConfigError(problems);
  return { endpoints };
}

/** The configuration WEBHOOKS_FILE names; none when it is unset. */
export function loadWebhookConfig(env: Pick<Env, "WEBHOOKS_FILE">, source: NodeJS.ProcessEnv = process.env): WebhookConfig {
  if (!env.WEBHOOKS_FILE) return NO_WEBHOOKS;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(env.WEBHOOKS_FILE, "utf8"));
  } catch (err) {
    throw new ConfigError([`WEBHOOKS_FILE: cannot read ${env.WEBHOOKS_FILE} as JSON (${(err as Error).message.split("\n")[0]})`]);
  }
  return parseWebhookConfig(raw, source);
}

/** The endpoints that take `event`. */
export function subscribersOf(config: WebhookConfig, event: WebhookEvent): WebhookEndpoint[] {
  return config.endpoints.filter((e) => e.events.has(event));
}
