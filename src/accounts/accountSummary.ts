import type { Tx } from "../db/index.ts";
import type { Translator } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import { readBalances } from "../ledger/postEntries.ts";
import { totalOf, type BucketBalances } from "../ledger/types.ts";

export interface AccountSummary {
  accountId: string;
  balance: bigint;
  buckets: BucketBalances;
  /** Total spent on API usage (a positive amount). */
  used: bigint;
  requests: number;
  recentEntries: { type: string; bucket: string; amount: bigint; balanceAfter: bigint; createdAt: Date; reference: string | null }[];
  lowBalanceThreshold: bigint | null;
}

/** Balance, its breakdown by bucket, total used and number of requests (the seeds' account statistics). */
export async function accountSummary(tx: Tx, accountId: string, recent = 5): Promise<AccountSummary> {
  const account = await tx.account.findUniqueOrThrow({ where: { id: accountId } });
  const buckets = await readBalances(tx, accountId);
  const used = await tx.ledgerEntry.aggregate({ where: { accountId, type: "api_usage" }, _sum: { amount: true } });
  const requests = await tx.usageRecord.count({ where: { accountId } });
  const entries = await tx.ledgerEntry.findMany({ where: { accountId }, orderBy: { id: "desc" }, take: recent });
  return {
    accountId,
    balance: totalOf(buckets),
    buckets,
    used: -(used._sum.amount ?? 0n),
    requests,
    recentEntries: entries.map((e) => ({ type: e.type, bucket: e.bucket, amount: e.amount, balanceAfter: e.balanceAfter, createdAt: e.createdAt, reference: e.reference })),
    lowBalanceThreshold: account.lowBalanceThreshold,
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
