import { recordAudit } from "../audit/recordAudit.ts";
import type { Tx } from "../db/index.ts";
import type { Services } from "../services.ts";
import { updateSupportCard } from "../topups/cardOutbox.ts";
import { lockOrder } from "../topups/findOrder.ts";
import { updateOrder, type Order } from "../topups/order.ts";
import { cardSignature } from "./decideAuto.ts";
import type { TransferVerdict } from "../chain/verifyTransfer.ts";

export interface SaveVerdictInput {
  orderId: string;
  /** The hash the verdict is about: if the order changed meanwhile, nothing is saved. */
  txHash: string;
  verdict: TransferVerdict;
  /** A note for support on the card (the order goes back to review). */
  reviewNote?: string;
  audit?: { action: string; outcome: string; detail?: Record<string, unknown> };
}

/**
 * Stores a verdict on a submitted order, and edits the support card in the same transaction when
 * what the card shows changed (not on every new block while confirmations are counted). Returns
 * null when the order was decided or changed meanwhile: a verdict never overwrites a decision.
 */
export async function saveVerdict(services: Services, input: SaveVerdictInput): Promise<Order | null> {
  return services.prisma.$transaction((tx) => saveVerdictIn(tx, services, input));
}

export async function saveVerdictIn(tx: Tx, services: Services, input: SaveVerdictInput): Promise<Order | null> {
  const current = await lockOrder(tx, input.orderId);
  if (current.status !== "submitted" || current.txHash !== input.verdict.txHash || current.txHash !== input.txHash) return null;
  const previous = current.verdict;
  const updated = await updateOrder(tx, current.id, {
      verdict: input.verdict,
      verifiedAt: new Date(input.verdict.checkedAt),
      ...(input.reviewNote ? { reviewNote: input.reviewNote } : {}),
    });
  if (input.audit) {
    await recordAudit(tx, {
      actorType: "system",
      actorId: "chain-watcher",
      action: input.audit.action,
      outcome: input.audit.outcome,
      orderId: current.id,
      accountId: current.accountId,
      detail: input.audit.detail,
    });
  }
  if (input.reviewNote || cardSignature(previous) !== cardSignature(input.verdict)) {
    await updateSupportCard(tx, updated, `verdict:${Date.parse(input.verdict.checkedAt)}`);
  }
  return updated;
}
