import type { Env } from "../config/env.ts";
import type { EntryType } from "../ledger/types.ts";

/** The connector's settings, read once from the environment; null when GATEWAY_KIND is unset. */
export interface GatewaySettings {
  kind: "new-api" | "one-api";
  /** The gateway's base URL, without a trailing slash. */
  url: string;
  adminToken: string;
  /** new-api checks that the New-Api-User header names the token's owner. */
  adminUserId?: number;
  /** Quota units per USD: one-api and new-api default to 500,000 (QuotaPerUnit). */
  quotaPerUsd: number;
  /** The ledger entry types mirrored to the user's quota (usage never is: the gateway reported it). */
  entryTypes: ReadonlySet<EntryType>;
  timeoutMs: number;
  pullLogs: boolean;
  logPollMs: number;
}

export function gatewaySettings(env: Env): GatewaySettings | null {
  if (!env.GATEWAY_KIND || !env.GATEWAY_URL || !env.GATEWAY_ADMIN_TOKEN) return null;
  return {
    kind: env.GATEWAY_KIND,
    url: env.GATEWAY_URL.replace(/\/+$/, ""),
    adminToken: env.GATEWAY_ADMIN_TOKEN,
    adminUserId: env.GATEWAY_ADMIN_USER_ID,
    quotaPerUsd: env.GATEWAY_QUOTA_PER_USD,
    entryTypes: new Set(env.GATEWAY_ENTRY_TYPES),
    timeoutMs: env.GATEWAY_TIMEOUT_MS,
    pullLogs: env.GATEWAY_PULL_LOGS,
    logPollMs: env.GATEWAY_LOG_POLL_MS,
  };
}
