import type { Tx } from "../db/index.ts";

/**
 * What an account's API usage cost since a moment (by the time the gateway reported for each
 * call). A ledger read: usage rows are written by the ledger's usage batch (postUsageBatch.ts).
 */
export async function spendSince(tx: Tx, accountId: string, since: Date): Promise<bigint> {
  const sum = await tx.usageRecord.aggregate({
    where: { accountId, occurredAt: { gt: since } },
    _sum: { cost: true },
  });
  return sum._sum.cost ?? 0n;
}
