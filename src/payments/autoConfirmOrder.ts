import { isUniqueViolation } from "../db/uniqueViolation.ts";
import { isUserError } from "../errors.ts";
import { translator } from "../i18n.ts";
import type { Services } from "../services.ts";
import { confirmTopup } from "../topups/confirmTopup.ts";
import type { UsdtNetwork } from "../methods/paymentMethods.ts";
import type { ChainClient } from "../chain/rpc.ts";
import { saveVerdict } from "./saveVerdict.ts";
import { displayTxHash } from "../chain/txHash.ts";
import { recheckReceipt, type TransferVerdict } from "../chain/verifyTransfer.ts";

export type AutoConfirmResult = "credited" | "held" | "rpc_unavailable" | "skipped";

/**
 * Credits an order whose verdict passed everything, through the same confirm path as a click,
 * as the system. Right before, it fetches the receipt once more: a transaction that vanished,
 * moved to another block or no longer succeeds is not credited, and the order goes back to
 * review with a note on its card. The credited logs are recorded in the credit's transaction.
 */
export async function autoConfirmOrder(
  services: Services,
  network: UsdtNetwork,
  order: { id: string; txHash: string },
  verdict: TransferVerdict,
  options: { client?: ChainClient } = {},
): Promise<AutoConfirmResult> {
  const t = translator(services.env.DEFAULT_LOCALE);
  const hash = displayTxHash(network.family, order.txHash);
  const last = await recheckReceipt(network, order.txHash, verdict.blockHash ?? "", options);

  if (last.status === "error") {
    const waiting: TransferVerdict = { ...verdict, error: last.error, allPassed: false, watch: "open", auto: { ...verdict.auto!, outcome: "rpc_unavailable" } };
    await saveVerdict(services, { orderId: order.id, txHash: order.txHash, verdict: waiting });
    return "rpc_unavailable";
  }
  if (last.status !== "same") {
    const outcome = last.status === "vanished" ? "reorg_vanished" : last.status === "moved" ? "reorg_moved" : "reorg_failed";
    const note = t(`chain.note.${outcome}`, {
      hash,
      from: verdict.blockHash ?? "?",
      to: last.status === "moved" ? last.blockHash : "?",
    });
    const held: TransferVerdict = { ...verdict, allPassed: false, watch: "settled", auto: { ...verdict.auto!, outcome } };
    await saveVerdict(services, {
      orderId: order.id,
      txHash: order.txHash,
      verdict: held,
      reviewNote: note,
      audit: { action: "topup.auto_confirm", outcome: `refused:${outcome}`, detail: { txHash: order.txHash, blockHash: verdict.blockHash, now: last.status === "moved" ? last.blockHash : null } },
    });
    services.log.warn({ order: order.id, network: network.id, outcome }, "auto-confirm stopped by the last receipt check");
    return "held";
  }

  const saved = await saveVerdict(services, { orderId: order.id, txHash: order.txHash, verdict });
  if (!saved) return "skipped";
  try {
    await confirmTopup(services, {
      orderRef: order.id,
      decider: { type: "system" },
      creditedLogs: verdict.transferLogs.map((log) => ({ txHash: verdict.txHash, logIndex: log.logIndex, amountRaw: log.amountRaw, to: log.to })),
    });
    return "credited";
  } catch (err) {
    if (isUniqueViolation(err)) {
      const held: TransferVerdict = { ...verdict, allPassed: false, watch: "settled", auto: { ...verdict.auto!, outcome: "refused" } };
      await saveVerdict(services, {
        orderId: order.id,
        txHash: order.txHash,
        verdict: held,
        reviewNote: t("chain.note.log_already_credited", { hash }),
        audit: { action: "topup.auto_confirm", outcome: "refused:log_already_credited", detail: { txHash: order.txHash } },
      });
      return "held";
    }
    // Decided by a person meanwhile (the confirm path recorded the refusal): nothing to do.
    if (isUserError(err)) return "skipped";
    throw err;
  }
}
