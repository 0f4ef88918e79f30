import { usdBoughtBy } from "../fx/currency.ts";
import type { Order } from "./order.ts";

/**
 * The principal Confirm credits: support's figure, else what the chain verified arrived, else
 * what the order told the customer to pay (its instructed amount, suffix included). An order paid
 * in another currency credits what its amount buys at the order's own rate, rounded down: a rate
 * changed later never touches it. The support card's Confirm dialog and the credit itself both
 * ask this one function.
 */
export function principalToCredit(order: Pick<Order, "verdict" | "instructedAmount" | "payAmount" | "fxRate">, override?: bigint): bigint {
  if (override !== undefined) return override;
  const verified = order.verdict ? BigInt(order.verdict.amountMicros) : 0n;
  if (verified > 0n) return verified;
  if (order.payAmount !== null && order.fxRate !== null) return usdBoughtBy(order.payAmount, order.fxRate);
  return order.instructedAmount;
}
