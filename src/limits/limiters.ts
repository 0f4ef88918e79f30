import Bottleneck from "bottleneck";
import { Redis as IORedis } from "ioredis";
import type { Logger } from "../log.ts";
import { DEFAULT_RATE_LIMITS, minTimeOf, rateLimitFor, type RateLimit } from "./rates.ts";

export interface LimitersOptions {
  /** With a Redis URL, limits hold across every process sharing it (bottleneck's cluster mode). */
  redisUrl?: string;
  /** Replaces entries of DEFAULT_RATE_LIMITS by name ("slack:chat.postMessage", "discord:*"). */
  limits?: Record<string, RateLimit>;
  /** Prefix of the limiter ids in Redis; deployments sharing a Redis keep theirs apart with it. */
  prefix?: string;
  log?: Logger;
}

export interface Limiters {
  /**
   * Runs `call` when the limit of `platform:method` allows (and, with a key such as a channel id,
   * that key's own limit). Deliverers wrap each platform API call in it.
   */
  schedule<T>(platform: string, method: string, call: () => Promise<T>, key?: string): Promise<T>;
  readonly clustered: boolean;
  /** The limit in force for `platform:method`. */
  limitFor(platform: string, method: string): RateLimit;
  close(): Promise<void>;
}

/** Redis keys of idle limiters expire after this, so stale settings do not outlive a deploy for long. */
const IDLE_TIMEOUT_MS = 15 * 60_000;

export function createLimiters(options: LimitersOptions = {}): Limiters {
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.limits };
  const prefix = options.prefix ?? "credit-desk";
  let connection: Bottleneck.IORedisConnection | undefined;
  if (options.redisUrl) {
    // Bottleneck's own lookup of ioredis uses require(), which an ESM app cannot rely on: pass the class.
    connection = new Bottleneck.IORedisConnection({
      Redis: IORedis,
      client: new IORedis(options.redisUrl, { maxRetriesPerRequest: 3, enableReadyCheck: true }),
    });
    connection.on("error", (err) => options.log?.error({ err: err.message }, "rate limiter Redis error"));
  }

  const settingsOf = (id: string, perSecond: number, maxConcurrent?: number): Bottleneck.ConstructorOptions => ({
    id,
    minTime: minTimeOf(perSecond),
    maxConcurrent: maxConcurrent ?? null,
    ...(connection ? { datastore: "ioredis", connection, clearDatastore: false, timeout: IDLE_TIMEOUT_MS } : {}),
  });

  const limiters = new Map<string, Bottleneck>();
  const groups = new Map<string, Bottleneck.Group>();

  const limiterOf = (name: string, limit: RateLimit): Bottleneck => {
    let limiter = limiters.get(name);
    if (!limiter) {
      const settings = settingsOf(`${prefix}:${name}`, limit.perSecond, limit.maxConcurrent);
      limiter = new Bottleneck(settings);
      limiter.on("error", (err) => options.log?.error({ err: String(err), limiter: name }, "rate limiter error"));
      if (connection) {
        // A limiter created earlier with other settings keeps them in Redis; ours win from now on.
        const created = limiter;
        void created.ready().then(() => created.updateSettings({ minTime: settings.minTime, maxConcurrent: settings.maxConcurrent }), () => undefined);
      }
      limiters.set(name, limiter);
    }
    return limiter;
  };

  const groupOf = (name: string, perKeyPerSecond: number): Bottleneck.Group => {
    let group = groups.get(name);
    if (!group) {
      group = new Bottleneck.Group(settingsOf(`${prefix}:${name}:per-key`, perKeyPerSecond));
      groups.set(name, group);
    }
    return group;
  };

  return {
    clustered: connection !== undefined,
    limitFor: (platform, method) => rateLimitFor(limits, platform, method).limit,
    schedule(platform, method, call, key) {
      const { name, limit } = rateLimitFor(limits, platform, method);
      const overall = limiterOf(name, limit);
      if (key === undefined || !limit.perKeyPerSecond) return overall.schedule(call);
      return groupOf(name, limit.perKeyPerSecond).key(key).schedule(() => overall.schedule(call));
    },
    async close() {
      await Promise.all([...limiters.values()].map((l) => l.stop({ dropWaitingJobs: true }).catch(() => undefined)));
      for (const group of groups.values()) {
        await Promise.all(group.limiters().map(({ limiter }) => limiter.stop({ dropWaitingJobs: true }).catch(() => undefined)));
      }
      await connection?.disconnect(false);
    },
  };
}

/** The limiters a process should use: shared through Redis when REDIS_URL is set, in-process otherwise. */
export function limitersFromEnv(env: { REDIS_URL?: string }, log?: Logger): Limiters {
  return createLimiters({ redisUrl: env.REDIS_URL, log });
}
