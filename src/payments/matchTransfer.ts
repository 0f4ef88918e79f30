import type { ScannedTransfer } from "../chain/scanTransfers.ts";
import { exactTokenUnits } from "../chain/verifyTransfer.ts";
import type { Tx } from "../db/index.ts";
import { tokenUnitsToMicros } from "../ledger/money.ts";
import type { UsdtNetwork } from "../methods/paymentMethods.ts";

/**
 * What a transfer seen on chain is, for one network:
 * - `strong`: it is an order's payment beyond doubt: exactly an open order's unique instructed
 *   amount on a shared address, or any transfer to an account's own address while that account
 *   has an open order. Only these may be credited without a person;
 * - `none`: nothing binds it to an order, with the reason support sees on its card, and the
 *   orders it might be (an order that ended with that amount, an account's own address).
 */
export type TransferMatch =
  | { kind: "strong"; orderId: string; orderNo: string; methodId: string }
  | { kind: "none"; reason: UnmatchedReason; candidates: { orderId: string; orderNo: string; status: string }[]; accountId: string | null };

/**
 * - wrong_amount: orders wait on this address, none with this exact amount;
 * - late: an order that ended (expired, cancelled, rejected) was told this amount;
 * - no_open_order: paid to an account's own address while it has no open order;
 * - not_attributed: the network binds no payment to an order (attribution "none");
 * - unknown: nothing on this address waits for a payment.
 */
export type UnmatchedReason = "wrong_amount" | "late" | "no_open_order" | "not_attributed" | "unknown";

export interface TransferContext {
  chainKey: string;
  token: string;
  /** The block's time, for "paid after the order was made". */
  blockTime: Date | null;
  /** Owner of the recipient address, for per-account addresses. */
  accountId?: string | null;
}

interface OrderRow {
  id: string;
  orderNo: string;
  methodId: string;
  status: string;
  instructedAmount: bigint;
  createdAt: Date;
  attribution: string | null;
}

export async function matchTransfer(tx: Tx, network: UsdtNetwork, transfer: ScannedTransfer, context: TransferContext): Promise<TransferMatch> {
  const micros = tokenUnitsToMicros(BigInt(transfer.amountRaw), network.decimals);
  const exact = exactTokenUnits(micros, network.decimals) === BigInt(transfer.amountRaw);
  const paidAfter = (order: OrderRow) =>
    context.blockTime === null || context.blockTime.getTime() >= order.createdAt.getTime() - network.blockTimeSkewSeconds * 1000;
  const accountId = context.accountId ?? null;

  const open: OrderRow[] = await tx.topupOrder.findMany({
    where: { payChain: context.chainKey, payToken: context.token, payAddress: transfer.to, status: { in: ["pending", "submitted"] } },
    select: { id: true, orderNo: true, methodId: true, status: true, instructedAmount: true, createdAt: true, attribution: true },
    orderBy: { createdAt: "asc" },
  });

  // Several methods may share a chain, token and address: each order is judged by its own attribution.
  const unique = exact ? open.find((o) => o.attribution === "unique-amount" && o.instructedAmount === micros && paidAfter(o)) : undefined;
  if (unique) return { kind: "strong", orderId: unique.id, orderNo: unique.orderNo, methodId: unique.methodId };
  const own = open.filter((o) => o.attribution === "per-account-address" && paidAfter(o));
  const mine = own.find((o) => o.instructedAmount === micros) ?? own[0];
  if (mine) return { kind: "strong", orderId: mine.id, orderNo: mine.orderNo, methodId: mine.methodId };

  const ended = await tx.topupOrder.findMany({
    where: {
      payChain: context.chainKey,
      payToken: context.token,
      payAddress: transfer.to,
      status: { in: ["expired", "cancelled", "rejected"] },
      ...(network.attribution === "per-account-address" ? {} : { instructedAmount: micros }),
    },
    select: { id: true, orderNo: true, status: true },
    orderBy: { createdAt: "desc" },
    take: 3,
  });
  const sameAmount = open.filter((o) => o.instructedAmount === micros);
  const candidates = [...sameAmount, ...ended].slice(0, 3).map((o) => ({ orderId: o.id, orderNo: o.orderNo, status: o.status }));
  const reason: UnmatchedReason =
    network.attribution === "none"
      ? "not_attributed"
      : ended.length > 0
        ? "late"
        : network.attribution === "per-account-address" && accountId
          ? "no_open_order"
          : open.length > 0
            ? "wrong_amount"
            : "unknown";
  return { kind: "none", reason, candidates, accountId };
}
