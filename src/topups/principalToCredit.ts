import type { Order } from "./order.ts";

/**
 * The principal Confirm credits: support's figure, else what the chain verified arrived, else
 * what the order told the customer to pay (its instructed amount, suffix included). The support
 * card's Confirm dialog and the credit itself both ask this one function.
 */
export function principalToCredit(order: Pick<Order, "verdict" | "instructedAmount">, override?: bigint): bigint {
  if (override !== undefined) return override;
  const verified = order.verdict ? BigInt(order.verdict.amountMicros) : 0n;
  if (verified > 0n) return verified;
  return order.instructedAmount;
}
