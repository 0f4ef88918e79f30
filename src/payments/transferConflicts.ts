import { finish, type TransferVerdict, type VerdictConflict } from "../chain/verifyTransfer.ts";
import type { Tx } from "../db/index.ts";
import { tokenUnitsToMicros } from "../ledger/money.ts";

export interface ConflictSubject {
  id: string;
  payChain: string | null;
  attribution: string | null;
}

/**
 * Marks the transfers of a verdict that belong to another order: a log already credited to
 * another order, or a log of exactly another open order's instructed amount to that order's
 * address. Such a verdict never passes, and the card names the order ("this transfer matches
 * order CD-…"). Also records how the order was attributed.
 */
export async function withConflicts(tx: Tx, order: ConflictSubject, chainKey: string | null, verdict: TransferVerdict): Promise<TransferVerdict> {
  const conflicts: VerdictConflict[] = [];
  if (chainKey && verdict.receiptFound) {
    for (const log of verdict.transferLogs) {
      const credited = await tx.creditedLog.findUnique({
        where: { chainKey_txHash_logIndex: { chainKey, txHash: verdict.txHash, logIndex: log.logIndex } },
        include: { order: { select: { orderNo: true } } },
      });
      if (credited && credited.orderId !== order.id) {
        conflicts.push({ logIndex: log.logIndex, kind: "credited", orderNo: credited.order.orderNo });
        continue;
      }
      const other = await tx.topupOrder.findFirst({
        where: {
          id: { not: order.id },
          attribution: "unique-amount",
          status: { in: ["pending", "submitted"] },
          payChain: chainKey,
          payToken: log.token,
          payAddress: log.to,
          instructedAmount: tokenUnitsToMicros(BigInt(log.amountRaw), verdict.decimals),
        },
        select: { orderNo: true },
      });
      if (other) conflicts.push({ logIndex: log.logIndex, kind: "matches_order", orderNo: other.orderNo });
    }
  }
  verdict.conflicts = conflicts;
  if (order.attribution === "unique-amount" || order.attribution === "per-account-address" || order.attribution === "none") verdict.attribution = order.attribution;
  return finish(verdict);
}
