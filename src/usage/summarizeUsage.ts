import type { Tx } from "../db/index.ts";
import { readBalances } from "../ledger/postEntries.ts";
import { totalOf } from "../ledger/types.ts";

/** How many days `usage` may look back: from one day (today) to MAX_USAGE_DAYS. */
export const MIN_USAGE_DAYS = 1;
export const MAX_USAGE_DAYS = 90;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Spend and calls under one key (a model, an API token, a token group); key null when the gateway did not say. */
export interface SpendLine {
  key: string | null;
  cost: bigint;
  requests: number;
}

export interface DaySpend {
  /** The UTC day, YYYY-MM-DD. */
  day: string;
  cost: bigint;
  requests: number;
  /** Spend of each model that day (models with no record that day are absent). */
  byModel: Map<string, bigint>;
  /** The balance at the end of the day (now, for today), from the ledger. */
  balanceAtEnd: bigint;
  /** Top-up credit (principal and bonus) posted that day. */
  toppedUp: bigint;
}

export interface UsageSummary {
  accountId: string;
  /** Start of the first day (00:00 UTC) and end of the last (00:00 UTC the day after). */
  from: Date;
  to: Date;
  /** Every day of the window, oldest first, with or without spend. */
  days: DaySpend[];
  /** Most spent first. */
  byModel: SpendLine[];
  /** Empty when no record of the window names an API token (or a token group). */
  byToken: SpendLine[];
  byTokenGroup: SpendLine[];
  cost: bigint;
  requests: number;
  balance: bigint;
}

interface UsageRow {
  day: string;
  model: string;
  token: string | null;
  tokenGroup: string | null;
  cost: string;
  requests: number;
}

interface LedgerDayRow {
  day: string;
  moved: string;
  toppedUp: string;
}

/** 00:00 UTC of the day `now` falls in. */
export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * An account's usage over the last `days` UTC days, today included: spend by day and model (by
 * the time the gateway reported for each call), by API token and token group when the gateway
 * sends them, the top-ups credited each day, and the balance at the end of each day (by when
 * entries were posted). Sums come back from PostgreSQL as text and are read as bigint.
 */
export async function summarizeUsage(tx: Tx, accountId: string, days: number, now: Date): Promise<UsageSummary> {
  const to = new Date(startOfUtcDay(now).getTime() + DAY_MS);
  const from = new Date(to.getTime() - days * DAY_MS);

  const usageRows = await tx.$queryRaw<UsageRow[]>`
    SELECT to_char("occurredAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "day", "model", "token", "tokenGroup",
           sum("cost")::text AS "cost", count(*)::int AS "requests"
    FROM "usage_records"
    WHERE "accountId" = ${accountId}::uuid AND "occurredAt" >= ${from} AND "occurredAt" < ${to}
    GROUP BY 1, 2, 3, 4`;
  // A top-up's credit is its principal (usdt_topup, whatever the method) and its bonus.
  // Every movement since the window opened, to walk the balance back from now to each day's end;
  // entries posted after `to` (none, unless clocks disagree) are walked back too.
  const ledgerRows = await tx.$queryRaw<LedgerDayRow[]>`
    SELECT to_char("createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "day",
           sum("amount")::text AS "moved",
           coalesce(sum("amount") FILTER (WHERE "type" IN ('usdt_topup', 'topup_bonus') AND "amount" > 0), 0)::text AS "toppedUp"
    FROM "ledger_entries"
    WHERE "accountId" = ${accountId}::uuid AND "createdAt" >= ${from}
    GROUP BY 1`;
  const balance = totalOf(await readBalances(tx, accountId));

  const dayList: DaySpend[] = [];
  const byDay = new Map<string, DaySpend>();
  for (let i = 0; i < days; i++) {
    const day = utcDay(new Date(from.getTime() + i * DAY_MS));
    const entry: DaySpend = { day, cost: 0n, requests: 0, byModel: new Map(), balanceAtEnd: 0n, toppedUp: 0n };
    dayList.push(entry);
    byDay.set(day, entry);
  }

  const models = new Map<string, SpendLine>();
  const tokens = new Map<string | null, SpendLine>();
  const groups = new Map<string | null, SpendLine>();
  const add = <K>(into: Map<K, SpendLine>, key: K, cost: bigint, requests: number) => {
    const line = into.get(key) ?? { key: key as string | null, cost: 0n, requests: 0 };
    line.cost += cost;
    line.requests += requests;
    into.set(key, line);
  };
  let total = 0n;
  let requests = 0;
  let anyToken = false;
  let anyGroup = false;
  for (const row of usageRows) {
    const cost = BigInt(row.cost);
    const day = byDay.get(row.day);
    if (!day) continue;
    day.cost += cost;
    day.requests += row.requests;
    day.byModel.set(row.model, (day.byModel.get(row.model) ?? 0n) + cost);
    add(models, row.model, cost, row.requests);
    add(tokens, row.token, cost, row.requests);
    add(groups, row.tokenGroup, cost, row.requests);
    anyToken ||= row.token !== null;
    anyGroup ||= row.tokenGroup !== null;
    total += cost;
    requests += row.requests;
  }

  const moved = new Map(ledgerRows.map((r) => [r.day, BigInt(r.moved)]));
  for (const row of ledgerRows) {
    const day = byDay.get(row.day);
    if (day) day.toppedUp = BigInt(row.toppedUp);
  }
  // The end of the last day is `to`: what was posted from then on is undone first.
  let running = balance;
  for (const [day, amount] of moved) if (day >= utcDay(to)) running -= amount;
  for (let i = dayList.length - 1; i >= 0; i--) {
    dayList[i].balanceAtEnd = running;
    running -= moved.get(dayList[i].day) ?? 0n;
  }

  const ranked = (lines: Iterable<SpendLine>) => [...lines].sort((a, b) => (a.cost === b.cost ? String(a.key).localeCompare(String(b.key)) : a.cost > b.cost ? -1 : 1));
  return {
    accountId,
    from,
    to,
    days: dayList,
    byModel: ranked(models.values()),
    byToken: anyToken ? ranked(tokens.values()) : [],
    byTokenGroup: anyGroup ? ranked(groups.values()) : [],
    cost: total,
    requests,
    balance,
  };
}
