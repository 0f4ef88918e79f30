import type { Tx } from "../db/index.ts";
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
