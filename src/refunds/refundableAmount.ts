import type { Tx } from "../db/index.ts";
import { readBalances } from "../ledger/postEntries.ts";
import type { RefundableOrder } from "./planRefund.ts";

export interface Refundable {
  /** The principal bucket's balance: what is left unspent of the principal (usage spends it last). */
  principalBalance: bigint;
  bonusBalance: bigint;
  /** Σ over confirmed orders of confirmed principal − principal already refunded. */
  outstanding: bigint;
  /** What may be refunded now: the principal balance, capped by what confirmed orders can pay back. */
  refundable: bigint;
  /** The confirmed orders with principal not yet refunded, newest credit first. */
  orders: RefundableOrder[];
}

/**
 * How much of an account's principal is refundable: principal credited − principal spent −
 * principal already refunded. Usage spends trial, promo and bonus before principal, so the
 * principal bucket's balance is exactly what remains unspent of it (refunds already came out of
 * it). Principal that reached the bucket by other means than a top-up (an adjustment) cannot be
 * paid back to any payment, hence the cap by the orders.
 *
 * With `lock`, the orders are locked for the caller's transaction: call it only while holding the
 * account's lock, after which no order of the account can be confirmed or refunded by anyone else.
 *
 * Orders are taken newest credit first: usage spends principal in the order it was credited, so
 * what remains unspent is the newest top-ups' principal, and they are the payments the refund
 * goes back to.
 */
export async function refundableAmount(tx: Tx, accountId: string, options: { lock?: boolean } = {}): Promise<Refundable> {
  if (options.lock) {
    await tx.$queryRaw`
      SELECT "id" FROM "topup_orders"
      WHERE "accountId" = ${accountId}::uuid AND "status" = 'confirmed' AND "confirmedPrincipal" > "refundedPrincipal"
      ORDER BY "id" FOR UPDATE`;
  }
  const rows = await tx.topupOrder.findMany({
    where: { accountId, status: "confirmed" },
    orderBy: [{ decidedAt: { sort: "desc", nulls: "last" } }, { seq: "desc" }],
    select: { id: true, orderNo: true, confirmedPrincipal: true, confirmedBonus: true, refundedPrincipal: true },
  });
  const orders: RefundableOrder[] = rows
    .map((o) => ({ ...o, confirmedPrincipal: o.confirmedPrincipal ?? 0n, confirmedBonus: o.confirmedBonus ?? 0n }))
    .filter((o) => o.confirmedPrincipal > o.refundedPrincipal);
  const outstanding = orders.reduce((sum, o) => sum + o.confirmedPrincipal - o.refundedPrincipal, 0n);
  const balances = await readBalances(tx, accountId);
  const unspent = balances.principal > 0n ? balances.principal : 0n;
  return {
    principalBalance: balances.principal,
    bonusBalance: balances.bonus,
    outstanding,
    refundable: unspent < outstanding ? unspent : outstanding,
    orders,
  };
}
