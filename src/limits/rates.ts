/**
 * What the chat platforms allow, per method, for what the outbox sends. A limit is a ceiling for
 * the whole deployment (all replicas share it through Redis when REDIS_URL is set).
 *
 * Slack publishes limits per app per workspace by tier: Tier 2 ≈ 20/min, Tier 3 ≈ 50/min,
 * Tier 4 ≈ 100/min; chat.postMessage is "special": about 1 message per second per channel, with
 * short bursts. Discord allows 50 requests per second per bot across all routes (discord.js
 * follows the per-route buckets itself, but only inside one process).
 */
export interface RateLimit {
  /** Calls per second across the deployment. */
  perSecond: number;
  /** A separate budget of this many calls per second for each key (a channel), on top of perSecond. */
  perKeyPerSecond?: number;
  /** Calls in flight at once; none by default. */
  maxConcurrent?: number;
}

const PER_MINUTE = (n: number) => n / 60;

export const DEFAULT_RATE_LIMITS: Readonly<Record<string, RateLimit>> = {
  "slack:chat.postMessage": { perSecond: 10, perKeyPerSecond: 1 },
  "slack:chat.update": { perSecond: PER_MINUTE(50), perKeyPerSecond: 1 },
  "slack:chat.postEphemeral": { perSecond: PER_MINUTE(100) },
  "slack:conversations.open": { perSecond: PER_MINUTE(50) },
  "slack:files.getUploadURLExternal": { perSecond: PER_MINUTE(20) },
  "slack:files.completeUploadExternal": { perSecond: PER_MINUTE(20) },
  "slack:*": { perSecond: PER_MINUTE(20) },
  "discord:*": { perSecond: 50 },
};

/**
 * Calls are spaced this much wider than 1/perSecond: timers, the event loop and the network
 * jitter each call by a few milliseconds, and the platform counts arrivals, not our intentions.
 */
export const SPACING_MARGIN = 1.05;

export function minTimeOf(perSecond: number): number {
  if (!(perSecond > 0)) throw new RangeError("a rate limit needs perSecond > 0");
  return Math.ceil((1000 / perSecond) * SPACING_MARGIN);
}

/** The limit for `platform:method`: an exact entry, else the platform's `*` entry. */
export function rateLimitFor(limits: Readonly<Record<string, RateLimit>>, platform: string, method: string): { name: string; limit: RateLimit } {
  const exact = `${platform}:${method}`;
  if (limits[exact]) return { name: exact, limit: limits[exact] };
  const wildcard = `${platform}:*`;
  if (limits[wildcard]) return { name: wildcard, limit: limits[wildcard] };
  throw new RangeError(`no rate limit configured for ${exact}`);
}
