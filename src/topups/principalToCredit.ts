import type { Order } from "./findOrder.ts";

/**
 * The principal Confirm credits: support's figure, else what the chain verified arrived, else
 * what the order told the customer to pay (its instructed amount, suffix included). The support
 * card's Confirm dialog and the credit itself both ask this one function.
 */
export function principalToCredit(order: Pick<Order, "verdict" | "instructedAmount">, override?: bigint): bigint {
  if (override !== undefined) return override;
  const verdict = order.verdict as { amountMicros?: string } | null;
  if (verdict?.amountMicros && /^\d+$/.test(verdict.amountMicros) && BigInt(verdict.amountMicros) > 0n) return BigInt(verdict.amountMicros);
  return order.instructedAmount;
}
