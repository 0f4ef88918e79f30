import type { Tx } from "../db/index.ts";

/** At most `max` times per `windowSeconds`, per user and action. */
export interface UserRateLimit {
  max: number;
  windowSeconds: number;
}

export interface RateVerdict {
  allowed: boolean;
  /** When the window ends: a refusal tells the user when to try again. */
  retryAfterSeconds: number;
}

/**
 * Counts one attempt of `key` (an action by a user) in the current fixed window, in the database,
 * so the limit holds across every process of a deployment. Refused attempts count too: hammering
 * does not reopen the window sooner.
 */
export async function consumeUserRate(tx: Tx, key: string, limit: UserRateLimit, now: Date): Promise<RateVerdict> {
  const windowMs = limit.windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const [{ count }] = await tx.$queryRaw<{ count: number }[]>`
    INSERT INTO "user_rate_counters" ("key", "windowStart", "count") VALUES (${key}, ${windowStart}, 1)
    ON CONFLICT ("key", "windowStart") DO UPDATE SET "count" = "user_rate_counters"."count" + 1
    RETURNING "count"`;
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000));
  return { allowed: Number(count) <= limit.max, retryAfterSeconds };
}

/** Forgets windows older than a day. */
export async function forgetOldRates(tx: Tx, now: Date): Promise<number> {
  return tx.$executeRaw`DELETE FROM "user_rate_counters" WHERE "windowStart" < ${new Date(now.getTime() - 24 * 3600_000)}`;
}
