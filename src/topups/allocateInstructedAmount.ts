import { randomInt } from "node:crypto";
import type { Tx } from "../db/index.ts";
import { UserError } from "../errors.ts";
import type { PaymentTarget } from "./paymentTarget.ts";

export interface UniqueAmountRule {
  /** micro-USD */
  step: bigint;
  /** micro-USD; suffixes are step, 2 × step, … up to this. */
  maxSuffix: bigint;
}

/**
 * The amount an order on a shared deposit address is told to pay: what the customer asked for
 * plus a small suffix (never less), so that no other open order on the same chain, token and
 * address is told the same amount and a transfer of exactly that amount can only be this order's.
 * The suffix is drawn at random among the free ones, so a late payment for an order that has just
 * ended rarely lands on a new order's amount. Runs inside the order's transaction: a lock per
 * address serialises allocation, and a unique index over open orders makes it binding.
 */
export async function allocateInstructedAmount(tx: Tx, target: PaymentTarget, requested: bigint, rule: UniqueAmountRule): Promise<bigint> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`instructed:${target.payChain}:${target.payToken}:${target.payAddress}`}, 0))`;
  const low = requested + rule.step;
  const high = requested + rule.maxSuffix;
  const rows = await tx.$queryRaw<{ instructedAmount: bigint }[]>`
    SELECT "instructedAmount" FROM "topup_orders"
    WHERE "attribution" = 'unique-amount' AND "status" IN ('pending', 'submitted')
      AND "payChain" = ${target.payChain} AND "payToken" = ${target.payToken} AND "payAddress" = ${target.payAddress}
      AND "instructedAmount" BETWEEN ${low} AND ${high}`;
  const taken = new Set(rows.map((r) => BigInt(r.instructedAmount)));
  const slots = Number(rule.maxSuffix / rule.step);
  const amountAt = (k: number) => requested + BigInt(k) * rule.step;

  if (taken.size < slots / 2) {
    for (let attempt = 0; attempt < 64; attempt++) {
      const amount = amountAt(randomInt(1, slots + 1));
      if (!taken.has(amount)) return amount;
    }
  }
  const free: number[] = [];
  for (let k = 1; k <= slots; k++) if (!taken.has(amountAt(k))) free.push(k);
  if (free.length === 0) throw new UserError("errors.no_unique_amount", {}, "amount");
  return amountAt(free[randomInt(0, free.length)]);
}
