import type { Tx } from "../db/index.ts";
import { consumeUserRate, type UserRateLimit } from "../limits/userRate.ts";

/**
 * Failed redemptions allowed per account in a window, against guessing: the 21st attempt after 20
 * wrong codes is refused, good code or not, until the window ends. Only failures count here (the
 * command's own rateLimit caps every attempt), and they count per account, so that an account's
 * Slack, Discord and console identities share one allowance.
 */
export const REDEEM_FAILURE_LIMIT: UserRateLimit = { max: 20, windowSeconds: 600 };

export function redeemFailureKey(accountId: string): string {
  return `redeem-failure:${accountId}`;
}

/**
 * Seconds until the account may try again, or 0 when it may now. Only reads: a refused attempt
 * writes nothing, and the window (fixed, as consumeUserRate counts it) ends when it ends.
 */
export async function redeemBlockedFor(tx: Tx, accountId: string, now: Date): Promise<number> {
  const windowMs = REDEEM_FAILURE_LIMIT.windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const rows = await tx.$queryRaw<{ count: number }[]>`
    SELECT "count" FROM "user_rate_counters" WHERE "key" = ${redeemFailureKey(accountId)} AND "windowStart" = ${windowStart}`;
  if (!rows.length || Number(rows[0].count) < REDEEM_FAILURE_LIMIT.max) return 0;
  return Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000));
}

/** Counts one failed redemption of the account. */
export async function countRedeemFailure(tx: Tx, accountId: string, now: Date): Promise<void> {
  await consumeUserRate(tx, redeemFailureKey(accountId), REDEEM_FAILURE_LIMIT, now);
}
