import type { Tx } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { refundableAmount, type Refundable } from "./refundableAmount.ts";

export interface RefundQuote extends Refundable {
  /** What the account's pending requests already ask for. */
  pending: bigint;
  /** What a new request may ask for: the refundable amount less the pending requests. */
  available: bigint;
}

/**
 * What a customer may ask to have refunded now. Pending requests hold their amount, so that two
 * requests (made at once or one after the other) never ask together for more than is refundable;
 * the caller that creates a request holds the account's lock while it asks.
 */
export async function refundQuote(tx: Tx, accountId: string): Promise<RefundQuote> {
  const account = await tx.account.findUniqueOrThrow({ where: { id: accountId }, select: { status: true } });
  // A suspended account cannot ask for a refund (PRODUCT §5); to become src/accounts' assertActive.
  if (account.status !== "active") throw new UserError("refunds.errors.account_suspended");
  const state = await refundableAmount(tx, accountId);
  const { _sum } = await tx.refundRequest.aggregate({ where: { accountId, status: "pending" }, _sum: { requestedAmount: true } });
  const pending = _sum.requestedAmount ?? 0n;
  const available = state.refundable > pending ? state.refundable - pending : 0n;
  return { ...state, pending, available };
}
