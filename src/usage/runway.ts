import type { Tx } from "../db/index.ts";
import { spendSince } from "../ledger/spendSince.ts";

/** How many days of spend the runway averages over. */
export const RUNWAY_WINDOW_DAYS = 7n;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How long a balance lasts at the recent rate of spend: the balance divided by the average daily
 * spend of the last RUNWAY_WINDOW_DAYS days, in whole days, rounded down.
 */
export type Runway =
  /** Nothing left (zero or below): new calls may be refused. */
  | { kind: "used_up" }
  /** No usage in the window: no rate to divide by. */
  | { kind: "no_usage" }
  | { kind: "days"; days: bigint; dailyAverage: bigint };

/**
 * balance ÷ (spent ÷ 7), computed as balance × 7 ÷ spent so that nothing is lost to an average
 * rounded down first; bigint division rounds the days down, as promised ("about N days").
 */
export function runwayOf(balance: bigint, spentInWindow: bigint): Runway {
  if (balance <= 0n) return { kind: "used_up" };
  if (spentInWindow <= 0n) return { kind: "no_usage" };
  return { kind: "days", days: (balance * RUNWAY_WINDOW_DAYS) / spentInWindow, dailyAverage: spentInWindow / RUNWAY_WINDOW_DAYS };
}

/** Where the runway's window opens for `now`. */
export function runwayWindowStart(now: Date): Date {
  return new Date(now.getTime() - Number(RUNWAY_WINDOW_DAYS) * DAY_MS);
}

/** What the account spent on usage in the runway's window before `now`. */
export async function spendInRunwayWindow(tx: Tx, accountId: string, now: Date): Promise<bigint> {
  return spendSince(tx, accountId, runwayWindowStart(now));
}

/** The runway of an account's balance at its last 7 days' spend. */
export async function estimateRunway(tx: Tx, accountId: string, balance: bigint, now: Date): Promise<Runway> {
  return runwayOf(balance, await spendInRunwayWindow(tx, accountId, now));
}

