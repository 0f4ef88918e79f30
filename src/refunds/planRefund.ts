import type { RefundAllocation } from "./refundRequest.ts";

/** A confirmed top-up with principal not yet refunded, as the plan reads it (micro-USD). */
export interface RefundableOrder {
  id: string;
  orderNo: string;
  confirmedPrincipal: bigint;
  confirmedBonus: bigint;
  refundedPrincipal: bigint;
}

export interface RefundPlan {
  principal: bigint;
  /** The bonus that came with the refunded principal, in proportion. */
  bonusDue: bigint;
  /** What is actually reversed: bonusDue, but never more than the bonus bucket holds. */
  bonusReversed: bigint;
  allocations: RefundAllocation[];
}

/** The bonus that belongs to `principal` of an order: cumulative, so refunding all of it reverses all of its bonus exactly. */
function bonusShare(order: RefundableOrder, principal: bigint): bigint {
  const { confirmedPrincipal: paid, confirmedBonus: bonus, refundedPrincipal: before } = order;
  return (bonus * (before + principal)) / paid - (bonus * before) / paid;
}

/**
 * Allocates a refund to the orders it pays back, in the order given (the caller passes them newest
 * first), and works out the bonus to reverse with it. The bonus due is each order's bonus in
 * proportion to the principal refunded from it; what is reversed is capped by what the bonus bucket
 * still holds (spent bonus is not clawed back, and the bucket never goes below zero), and is taken
 * from the same orders in the same order.
 *
 * Throws when the orders do not hold `principal`: the caller checks the refundable amount first.
 */
export function planRefund(orders: readonly RefundableOrder[], principal: bigint, bonusBalance: bigint): RefundPlan {
  if (principal <= 0n) throw new RangeError("a refund is a positive amount");
  const allocations: RefundAllocation[] = [];
  let left = principal;
  for (const order of orders) {
    if (left === 0n) break;
    const outstanding = order.confirmedPrincipal - order.refundedPrincipal;
    if (outstanding <= 0n) continue;
    const take = outstanding < left ? outstanding : left;
    allocations.push({
      orderId: order.id,
      orderNo: order.orderNo,
      principal: take,
      bonusDue: bonusShare(order, take),
      bonus: 0n,
      fullyRefunded: take === outstanding,
    });
    left -= take;
  }
  if (left > 0n) throw new RangeError(`the orders hold ${principal - left} of the ${principal} to refund`);

  const bonusDue = allocations.reduce((sum, a) => sum + a.bonusDue, 0n);
  let reversible = bonusBalance > 0n ? (bonusBalance < bonusDue ? bonusBalance : bonusDue) : 0n;
  const bonusReversed = reversible;
  for (const allocation of allocations) {
    allocation.bonus = allocation.bonusDue < reversible ? allocation.bonusDue : reversible;
    reversible -= allocation.bonus;
  }
  return { principal, bonusDue, bonusReversed, allocations };
}
