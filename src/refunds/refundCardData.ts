import type { Tx } from "../db/index.ts";
import { findRefundById } from "./findRefund.ts";
import { planRefund, type RefundPlan } from "./planRefund.ts";
import { refundableAmount, type Refundable } from "./refundableAmount.ts";
import type { Refund } from "./refundRequest.ts";

export interface RefundOrderInfo {
  orderNo: string;
  methodId: string;
  txHash: string | null;
  confirmedPrincipal: bigint;
  refundedPrincipal: bigint;
}

/** What a refund request's card shows, as things are now. */
export interface RefundCardData {
  refund: Refund;
  /** The account now: refundable principal and bonus. */
  state: Refundable;
  /** What approving a pending request would do now; null when it could not be approved now. */
  preview: RefundPlan | null;
  /** The orders the refund pays back (approved) or would (pending), with where their payment came from. */
  orders: RefundOrderInfo[];
}

export async function refundCardData(tx: Tx, id: string): Promise<RefundCardData | null> {
  const refund = await findRefundById(tx, id);
  if (!refund) return null;
  const state = await refundableAmount(tx, refund.accountId);
  let preview: RefundPlan | null = null;
  if (refund.status === "pending") {
    const amount = refund.whole && state.refundable < refund.requestedAmount ? state.refundable : refund.requestedAmount;
    if (amount > 0n && amount <= state.refundable) preview = planRefund(state.orders, amount, state.bonusBalance);
  }
  const orderIds = (refund.status === "approved" ? refund.allocations : (preview?.allocations ?? [])).map((a) => a.orderId);
  const rows = await tx.topupOrder.findMany({
    where: { id: { in: orderIds } },
    select: { id: true, orderNo: true, methodId: true, txHash: true, confirmedPrincipal: true, refundedPrincipal: true },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const orders = orderIds.flatMap((orderId) => {
    const row = byId.get(orderId);
    return row ? [{ ...row, confirmedPrincipal: row.confirmedPrincipal ?? 0n }] : [];
  });
  return { refund, state, preview, orders };
}
