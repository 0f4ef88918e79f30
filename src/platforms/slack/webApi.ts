import Bottleneck from "bottleneck";
import { webApi, type Logger as BoltLogger } from "@slack/bolt";

// @slack/web-api comes with Bolt; reaching it through Bolt keeps the two versions in step.
export type WebClient = webApi.WebClient;
export type WebAPICallResult = webApi.WebAPICallResult;
type WebClientOptions = webApi.WebClientOptions;

/**
 * Every call this app makes to Slack's Web API goes through here: one bottleneck limiter per
 * rate-limit tier (Slack counts per method, per workspace, per app), and for chat.postMessage
 * one per channel (about one message a second per channel). The Web client's own retries are
 * off: a 429 comes back to the caller as a SlackCallError with its Retry-After, so the outbox
 * (not a sleeping HTTP client) decides when to try again and nothing is sent twice.
 */

/** Requests a minute allowed by Slack's documented tiers. */
export const TIER_RATES = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;
export type Tier = keyof typeof TIER_RATES;

/** The tier of each method we call (docs.slack.dev/reference/methods). */
export const METHOD_TIERS: Record<string, Tier> = {
  "auth.test": 4,
  "views.open": 4,
  "views.push": 4,
  "views.update": 4,
  "views.publish": 4,
  "chat.postEphemeral": 4,
  "chat.update": 3,
  "conversations.open": 3,
  // Tier 3 for an app installed in its own workspace; Slack holds commercially distributed
  // non-Marketplace apps to far less (docs.slack.dev, rate limits, 2025).
  "conversations.history": 3,
  "conversations.replies": 3,
  "users.info": 4,
  "usergroups.users.list": 2,
  "files.info": 4,
  "files.getUploadURLExternal": 4,
  "files.completeUploadExternal": 4,
};

export type SlackCallFailure =
  /** Slack said 429: try again after this long. */
  | { kind: "rate_limited"; retryAfterMs: number }
  /** Slack answered ok:false: the call will not succeed by repeating it. */
  | { kind: "platform"; error: string }
  /** The network, a timeout, or a 5xx: worth another try. */
  | { kind: "transient"; error: string };

export class SlackCallError extends Error {
  constructor(readonly method: string, readonly failure: SlackCallFailure) {
    super(`${method}: ${failure.kind === "rate_limited" ? `rate limited, retry after ${failure.retryAfterMs} ms` : failure.error}`);
    this.name = "SlackCallError";
  }
}

/** Platform errors that are Slack's own transient trouble, worth retrying. */
const TRANSIENT_PLATFORM_ERRORS = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"]);

export function isRetryable(failure: SlackCallFailure): boolean {
  return failure.kind !== "platform" || TRANSIENT_PLATFORM_ERRORS.has(failure.error);
}

export interface SlackApi {
  readonly client: WebClient;
  /** Calls a Web API method; `T` names the fields of its answer the caller reads. */
  call<T extends object = Record<string, unknown>>(method: string, args: Record<string, unknown>): Promise<WebAPICallResult & T>;
  stop(): Promise<void>;
}

export interface SlackApiOptions {
  /** Requests a minute per tier; tests and benchmarks may lower the waits, never raise Slack's limits. */
  tierRates?: Partial<Record<Tier, number>>;
  /** Minimum spacing of chat.postMessage per channel, 1000 ms by default. */
  postMessageSpacingMs?: number;
}

/** The Web client options this app always uses (Bolt builds its client from these too). */
export function webClientOptions(apiUrl: string, logger?: BoltLogger): WebClientOptions {
  return {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    ...(logger ? { logger } : {}),
  };
}

function tierLimiter(perMinute: number): Bottleneck {
  // A token bucket: a burst of a minute's allowance, refilled smoothly.
  return new Bottleneck({
    reservoir: perMinute,
    reservoirIncreaseAmount: 1,
    reservoirIncreaseInterval: Math.max(1, Math.floor(60_000 / perMinute)),
    reservoirIncreaseMaximum: perMinute,
    maxConcurrent: 20,
  });
}

export function createSlackApi(client: WebClient, options: SlackApiOptions = {}): SlackApi {
  const tiers = new Map<Tier, Bottleneck>();
  for (const tier of [1, 2, 3, 4] as Tier[]) tiers.set(tier, tierLimiter(options.tierRates?.[tier] ?? TIER_RATES[tier]));
  const perChannel = new Bottleneck.Group({ maxConcurrent: 1, minTime: options.postMessageSpacingMs ?? 1000 });

  const limiterFor = (method: string, args: Record<string, unknown>): Bottleneck => {
    if (method === "chat.postMessage") return perChannel.key(String(args.channel ?? ""));
    return tiers.get(METHOD_TIERS[method] ?? 3)!;
  };

  return {
    client,
    async call<T extends object>(method: string, args: Record<string, unknown>): Promise<WebAPICallResult & T> {
      try {
        return (await limiterFor(method, args).schedule(() => client.apiCall(method, args))) as WebAPICallResult & T;
      } catch (err) {
        throw new SlackCallError(method, classify(err));
      }
    },
    async stop() {
      await Promise.all([...tiers.values()].map((l) => l.stop({ dropWaitingJobs: true }).catch(() => undefined)));
      await Promise.all(perChannel.limiters().map(({ limiter }) => limiter.stop({ dropWaitingJobs: true }).catch(() => undefined)));
    },
  };
}

function classify(err: unknown): SlackCallFailure {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number; message?: string };
  if (e?.code === "slack_webapi_rate_limited_error") return { kind: "rate_limited", retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  if (e?.code === "slack_webapi_platform_error") return { kind: "platform", error: e.data?.error ?? "unknown_error" };
  if (e?.code === "slack_webapi_http_error") return { kind: "transient", error: `http ${e.statusCode}` };
  return { kind: "transient", error: e?.message ?? String(err) };
}
