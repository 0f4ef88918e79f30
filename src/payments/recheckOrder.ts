import { UserError } from "../errors.ts";
import type { Services } from "../services.ts";
import { withConflicts } from "./transferConflicts.ts";
import { chainKeyOfOrder } from "../topups/confirmTopup.ts";
import { findOrder } from "../topups/findOrder.ts";
import type { Order } from "../topups/order.ts";
import { findMethod, isUsdt } from "../methods/paymentMethods.ts";
import { decideAuto, isHeld } from "./decideAuto.ts";
import { saveVerdict } from "./saveVerdict.ts";
import { verifyTransfer, type TransferVerdict } from "../chain/verifyTransfer.ts";

/**
 * Support's "Re-check chain": verifies the order's transaction now, stores the verdict and edits
 * the card. It credits nothing (the person asking decides with the buttons), and it re-opens the
 * order to the watcher unless the watcher had stopped automatic confirmation on it.
 */
export async function recheckOrder(services: Services, orderRef: string): Promise<{ order: Order; verdict: TransferVerdict }> {
  const order = await findOrder(services.prisma, orderRef);
  const method = findMethod(services.methods, order.methodId);
  if (!method || !isUsdt(method) || method.rpcUrls.length === 0) throw new UserError("chain.recheck.no_rpc", { order: order.orderNo }, "order");
  if (order.status !== "submitted" || !order.txHash) throw new UserError("chain.recheck.not_submitted", { order: order.orderNo }, "order");

  const previous = order.verdict;
  const verdict = await withConflicts(
    services.prisma,
    order,
    chainKeyOfOrder(services, order),
    await verifyTransfer(
      { network: method, txHash: order.txHash, requestedAmount: order.instructedAmount, payAddress: order.payAddress ?? undefined, createdAt: order.createdAt, minimum: method.minimum },
      { now: services.now },
    ),
  );
  const decision = decideAuto(verdict, method, order.submittedAt, services.now(), order.attribution);
  verdict.watch = decision.watch;
  if (decision.outcome) verdict.auto = { outcome: decision.outcome, ...(method.autoConfirmCap !== undefined ? { cap: method.autoConfirmCap.toString() } : {}) };
  if (decision.credit) {
    // The watcher does the crediting (with its last look at the receipt): leave it open for the next round.
    verdict.watch = "open";
  }
  if (isHeld(previous)) {
    verdict.auto = previous!.auto;
    verdict.watch = "settled";
  }
  const saved = await saveVerdict(services, { orderId: order.id, txHash: order.txHash, verdict });
  if (!saved) throw new UserError("chain.recheck.not_submitted", { order: order.orderNo }, "order");
  return { order: saved, verdict };
}
