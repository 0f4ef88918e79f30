import { bonusFor } from "./bonus.ts";
import type { Order } from "./order.ts";

type Priced = Pick<Order, "bonusRule" | "discountAmount" | "requestedAmount">;

/**
 * The preset's discount this principal earns: all of it when what is credited covers the price
 * the order asked (the tier's amount less its discount), none when it falls short, since the
 * customer then paid for a smaller top-up than the tier.
 */
export function discountToCredit(order: Priced, principal: bigint): bigint {
  if (!order.discountAmount || order.discountAmount <= 0n) return 0n;
  return principal >= order.requestedAmount ? order.discountAmount : 0n;
}

/**
 * The bonus Confirm credits with a principal: the order's bonus rule on that principal, plus a
 * preset's discount. Both go to the bonus bucket as topup_bonus: spendable, never refundable.
 * The card's Confirm dialog, the instructions and the credit all ask this one function.
 */
export function bonusToCredit(order: Priced, principal: bigint): bigint {
  return bonusFor(principal, order.bonusRule) + discountToCredit(order, principal);
}
