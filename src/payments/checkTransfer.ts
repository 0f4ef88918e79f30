import { normalizeTxHash } from "../chain/txHash.ts";
import { verifyTransfer, type TransferVerdict } from "../chain/verifyTransfer.ts";
import { UserError } from "../errors.ts";
import type { Services } from "../services.ts";
import { chainKeyOfOrder } from "../topups/confirmTopup.ts";
import { findOrder } from "../topups/findOrder.ts";
import { toOrder, type Order } from "../topups/order.ts";
import { httpRpcUrls } from "../chain/network.ts";
import { findMethod, isUsdt } from "../methods/paymentMethods.ts";
import { withConflicts } from "./transferConflicts.ts";

/**
 * A customer's self-check: the checks support would see for a transaction (network, token,
 * recipient, amount against the order, confirmations), against one of their own orders, without
 * binding the hash to anything or writing a row.
 */
export async function checkTransfer(services: Services, input: { accountId: string; txHash: string; orderRef?: string }): Promise<{ order: Order; verdict: TransferVerdict }> {
  const order = input.orderRef ? await findOrder(services.prisma, input.orderRef, { accountId: input.accountId }) : await latestUsdtOrder(services, input.accountId);
  const method = findMethod(services.methods, order.methodId);
  if (!method || !isUsdt(method) || httpRpcUrls(method).length === 0) throw new UserError("payments.check.no_rpc", { order: order.orderNo }, "order");
  const txHash = normalizeTxHash(method.family, input.txHash, "txHash");
  const verdict = await verifyTransfer(
    { network: method, txHash, requestedAmount: order.instructedAmount, payAddress: order.payAddress ?? undefined, createdAt: order.createdAt, minimum: method.minimum },
    { now: services.now },
  );
  return { order, verdict: await withConflicts(services.prisma, order, chainKeyOfOrder(services, order), verdict) };
}

/** The order a check is about when none is named: the customer's newest USDT order still open, else their newest. */
async function latestUsdtOrder(services: Services, accountId: string): Promise<Order> {
  const orders = await services.prisma.topupOrder.findMany({ where: { accountId, methodKind: "usdt" }, orderBy: { createdAt: "desc" }, take: 20 });
  const order = orders.find((o) => o.status === "pending" || o.status === "submitted") ?? orders[0];
  if (!order) throw new UserError("errors.no_pending_order", {}, "order");
  return toOrder(order);
}
