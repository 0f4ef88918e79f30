import type { SqlQuery } from "../db/sqlQuery.ts";
import type { Translator } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import { BUCKETS, emptyBalances, totalOf, type Bucket, type BucketBalances } from "../ledger/types.ts";

export interface AccountSummary {
  accountId: string;
  balance: bigint;
  buckets: BucketBalances;
  /** Total spent on API usage (a positive amount). */
  used: bigint;
  requests: number;
  recentEntries: { type: string; bucket: string; amount: bigint; balanceAfter: bigint; createdAt: Date; reference: string | null }[];
  lowBalanceThreshold: bigint | null;
  /** What usage cost after `spendSince` (when asked for): the runway's rate of spend. */
  spentSince: bigint | null;
}

export interface SummaryOptions {
  /** How many of the latest ledger entries to include (5). */
  recent?: number;
  /** Also sum the usage after this moment (by the time the gateway reported). */
  spendSince?: Date;
}

type SummaryRow = {
  lowBalanceThreshold: string | null;
  buckets: string;
  used: string;
  requests: string;
  spent: string | null;
  recent: string;
};

interface RecentRow {
  type: string;
  bucket: string;
  amount: string;
  balanceAfter: string;
  createdAt: string;
  reference: string | null;
}

/**
 * Balance, its breakdown by bucket, total used and number of requests (the seeds' account
 * statistics), the latest entries, and optionally the spend since a moment. One statement: every
 * chat command that shows a balance runs it on the thread that also acknowledges Slack, so each
 * round trip saved is time given back to the acks. Amounts travel as text and are read as bigint.
 * @param query a Prisma client or transaction (`queryVia`), or the driver (`queryDirect`).
 */
export async function accountSummary(query: SqlQuery, accountId: string, options: SummaryOptions = {}): Promise<AccountSummary> {
  const recent = options.recent ?? 5;
  const spent = options.spendSince
    ? `(SELECT coalesce(sum(u."cost"), 0)::text FROM "usage_records" u WHERE u."accountId" = a."id" AND u."occurredAt" > $3::timestamptz)`
    : "NULL::text";
  const params: unknown[] = [accountId, recent];
  if (options.spendSince) params.push(options.spendSince.toISOString());
  const rows = await query<SummaryRow>(
    `SELECT a."lowBalanceThreshold"::text AS "lowBalanceThreshold",
      (SELECT coalesce(json_object_agg(b."bucket", b."amount"::text), '{}')::text FROM "balances" b WHERE b."accountId" = a."id") AS "buckets",
      (SELECT coalesce(sum(e."amount"), 0)::text FROM "ledger_entries" e WHERE e."accountId" = a."id" AND e."type" = 'api_usage') AS "used",
      (SELECT count(*)::text FROM "usage_records" u WHERE u."accountId" = a."id") AS "requests",
      ${spent} AS "spent",
      (SELECT coalesce(json_agg(r ORDER BY r."id" DESC), '[]')::text FROM (
        SELECT e."id", e."type", e."bucket", e."amount"::text AS "amount", e."balanceAfter"::text AS "balanceAfter", e."createdAt", e."reference"
        FROM "ledger_entries" e WHERE e."accountId" = a."id" ORDER BY e."id" DESC LIMIT $2::int
      ) r) AS "recent"
    FROM "accounts" a WHERE a."id" = $1::uuid`,
    params,
  );
  const row = rows[0];
  if (!row) throw new Error(`account ${accountId} not found`);
  const buckets = emptyBalances();
  for (const [bucket, amount] of Object.entries(JSON.parse(row.buckets) as Record<string, string>)) {
    if ((BUCKETS as readonly string[]).includes(bucket)) buckets[bucket as Bucket] = BigInt(amount);
  }
  const entries = JSON.parse(row.recent) as RecentRow[];
  return {
    accountId,
    balance: totalOf(buckets),
    buckets,
    used: -BigInt(row.used),
    requests: Number(row.requests),
    recentEntries: entries.map((e) => ({
      type: e.type,
      bucket: e.bucket,
      amount: BigInt(e.amount),
      balanceAfter: BigInt(e.balanceAfter),
      createdAt: new Date(e.createdAt),
      reference: e.reference,
    })),
    lowBalanceThreshold: row.lowBalanceThreshold === null ? null : BigInt(row.lowBalanceThreshold),
    spentSince: row.spent === null ? null : BigInt(row.spent),
  };
}

/** The balance and its breakdown as label/value fields, the same for the customer and for support. */
export function balanceFields(summary: AccountSummary, t: Translator): { label: string; value: string }[] {
  return [
    { label: t("balance.current"), value: formatUsd(summary.balance) },
    { label: t("balance.principal"), value: formatUsd(summary.buckets.principal) },
    { label: t("balance.bonus"), value: formatUsd(summary.buckets.bonus) },
    { label: t("balance.trial"), value: formatUsd(summary.buckets.trial) },
    { label: t("balance.promo"), value: formatUsd(summary.buckets.promo) },
    { label: t("balance.used"), value: formatUsd(summary.used) },
    { label: t("balance.requests"), value: String(summary.requests) },
  ];
}
