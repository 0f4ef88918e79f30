import { recordAudit } from "../audit/recordAudit.ts";
import type { ScannedTransfer } from "../chain/scanTransfers.ts";
import { verdictFromTransfer } from "../chain/verifyTransfer.ts";
import type { Tx } from "../db/index.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";
import { tokenUnitsToMicros } from "../ledger/money.ts";
import { countPosted } from "../metrics.ts";
import type { Services } from "../services.ts";
import { postSupportCard, updateSupportCard } from "../topups/cardOutbox.ts";
import { confirmLockedOrder } from "../topups/confirmTopup.ts";
import { lockOrder } from "../topups/findOrder.ts";
import { findMethod, isUsdt, type UsdtNetwork } from "../methods/paymentMethods.ts";
import { OPEN_STATUSES } from "../topups/orderStatus.ts";
import { chainProofKey } from "../topups/proofKey.ts";
import { Refusal } from "../topups/refusal.ts";
import { matchTransfer, type TransferContext, type UnmatchedReason } from "./matchTransfer.ts";
import { formatPaymentNo } from "./paymentNo.ts";
import { postTransferCard } from "./transferCardOutbox.ts";
import { updateOrder } from "../topups/order.ts";

/** What became of one transfer the log scan found. */
export type TransferOutcome = "seen" | "credited" | "matched" | "unmatched";

export interface DetectedTransfer extends TransferContext {
  transfer: ScannedTransfer;
  /** The chain head when the transfer was read, for its confirmations. */
  head: number;
}

class OrderClosed extends Error {}

/**
 * Settles one transfer to a deposit address, exactly once however often it is seen (the
 * chain_transfers row's unique key is taken in the same transaction as what follows):
 * - strongly attributed, on a network that auto-confirms, within the cap and above the minimum:
 *   credited to its order through the confirm path, as the system;
 * - strongly attributed otherwise: its order goes to support's review with the chain checks;
 * - anything else: an "unmatched payment" card for support.
 */
export async function settleDetectedTransfer(services: Services, network: UsdtNetwork, detected: DetectedTransfer): Promise<TransferOutcome> {
  const { transfer, chainKey } = detected;
  const key = { chainKey_txHash_logIndex: { chainKey, txHash: transfer.txHash, logIndex: transfer.logIndex } };
  if (await services.prisma.chainTransfer.findUnique({ where: key })) return "seen";
  const credited = await services.prisma.creditedLog.findUnique({ where: key });
  if (credited) {
    // Already credited through a submitted hash: recorded, nothing more.
    await services.prisma.$transaction((tx) => insertTransfer(tx, network, detected, { status: "credited", orderId: credited.orderId }));
    return "seen";
  }

  const match = await matchTransfer(services.prisma, network, transfer, detected);
  if (match.kind === "strong") {
    // The order's own method decides what happens (several methods may share one address).
    const method = findMethod(services.methods, match.methodId);
    try {
      return await settleStrongMatch(services, method && isUsdt(method) ? method : network, detected, match.orderId);
    } catch (err) {
      if (!(err instanceof OrderClosed) && !(err instanceof Refusal) && !isUniqueViolation(err)) throw err;
      services.log.warn({ order: match.orderId, txHash: transfer.txHash, reason: err instanceof Error ? err.message : String(err) }, "detected payment could not settle its order: left for support");
      if (await services.prisma.chainTransfer.findUnique({ where: key })) return "seen";
      if (await services.prisma.creditedLog.findUnique({ where: key })) return "seen";
      return recordUnmatched(services, network, detected, "late", [], detected.accountId ?? null);
    }
  }
  return recordUnmatched(services, network, detected, match.reason, match.candidates, match.accountId);
}

async function settleStrongMatch(services: Services, network: UsdtNetwork, detected: DetectedTransfer, orderId: string): Promise<TransferOutcome> {
  const { transfer } = detected;
  const micros = tokenUnitsToMicros(BigInt(transfer.amountRaw), network.decimals);
  const automatic =
    network.autoConfirm && micros >= network.minimum && (network.autoConfirmCap === undefined || micros <= network.autoConfirmCap);

  const result = await services.prisma.$transaction(async (tx) => {
    const id = await insertTransfer(tx, network, detected, { status: automatic ? "credited" : "matched", orderId });
    if (id === null) return null;
    const order = await lockOrder(tx, orderId);
    const { status } = order;
    if (!OPEN_STATUSES.includes(status)) throw new OrderClosed(`order ${order.orderNo} is ${status}`);

    const verdict = verdictFromTransfer(
      { network, txHash: transfer.txHash, requestedAmount: order.instructedAmount, payAddress: order.payAddress ?? undefined, createdAt: order.createdAt, minimum: network.minimum },
      transfer,
      { head: detected.head, blockTime: detected.blockTime ? Math.floor(detected.blockTime.getTime() / 1000) : null },
      services.now(),
    );
    verdict.attribution = (order.attribution ?? undefined) as typeof verdict.attribution;
    verdict.watch = "settled";
    const proofKey = chainProofKey(transfer.txHash);
    const citesOther = order.proofKey !== null && order.proofKey !== proofKey;
    const paymentNo = formatPaymentNo(id);

    if (automatic) {
      const updated = await updateOrder(tx, order.id, {
          verdict,
          verifiedAt: services.now(),
          ...(order.proofKey === null ? { txHash: transfer.txHash, proofKey, proofLogIndex: transfer.logIndex } : {}),
        });
      const confirmed = await confirmLockedOrder(tx, services, updated, {
        decider: { type: "system" },
        from: OPEN_STATUSES,
        creditedLogs: [{ txHash: transfer.txHash, logIndex: transfer.logIndex, amountRaw: transfer.amountRaw, to: transfer.to }],
        auditDetail: { detected: true, payment: paymentNo, txHash: transfer.txHash, logIndex: transfer.logIndex },
      });
      return { outcome: "credited" as const, posting: confirmed.posting };
    }

    if (citesOther) {
      // The customer cited another transaction: keep their proof, and tell support this one came.
      const noted = await updateOrder(tx, order.id, { reviewNote: `${paymentNo}: ${transfer.txHash}` });
      await updateSupportCard(tx, noted, `detected:${id}`);
    } else {
      const updated = await updateOrder(tx, order.id, {
          status: "submitted",
          submittedAt: order.submittedAt ?? services.now(),
          verdict,
          verifiedAt: services.now(),
          txHash: transfer.txHash,
          proofKey,
          proofLogIndex: order.proofKey === null ? transfer.logIndex : order.proofLogIndex,
        });
      if (status === "pending") await postSupportCard(tx, updated);
      else await updateSupportCard(tx, updated, `detected:${id}`);
    }
    await recordAudit(tx, {
      actorType: "system",
      actorId: "chain-watcher",
      action: "payment.detected",
      outcome: "ok",
      orderId: order.id,
      accountId: order.accountId,
      detail: { payment: paymentNo, txHash: transfer.txHash, logIndex: transfer.logIndex, amountRaw: transfer.amountRaw },
    });
    return { outcome: "matched" as const, posting: null };
  });
  if (result === null) return "seen";
  if (result.posting) countPosted(result.posting);
  return result.outcome;
}

async function recordUnmatched(
  services: Services,
  network: UsdtNetwork,
  detected: DetectedTransfer,
  reason: UnmatchedReason,
  candidates: { orderNo: string; status: string }[],
  accountId: string | null,
): Promise<TransferOutcome> {
  const id = await services.prisma.$transaction(async (tx) => {
    const inserted = await insertTransfer(tx, network, detected, { status: "unmatched", reason, accountId });
    if (inserted === null) return null;
    await recordAudit(tx, {
      actorType: "system",
      actorId: "chain-watcher",
      action: "payment.unmatched",
      outcome: reason,
      accountId: accountId ?? undefined,
      detail: { payment: formatPaymentNo(inserted), txHash: detected.transfer.txHash, logIndex: detected.transfer.logIndex, amountRaw: detected.transfer.amountRaw },
    });
    await postTransferCard(tx, services, inserted, candidates);
    return inserted;
  });
  return id === null ? "seen" : "unmatched";
}

/** Takes the transfer's unique key; null when another worker (or an earlier round) already did. */
async function insertTransfer(
  tx: Tx,
  network: UsdtNetwork,
  detected: DetectedTransfer,
  row: { status: string; orderId?: string; reason?: string; accountId?: string | null },
): Promise<bigint | null> {
  const { transfer } = detected;
  const micros = tokenUnitsToMicros(BigInt(transfer.amountRaw), network.decimals);
  const rows = await tx.$queryRaw<{ id: bigint }[]>`
    INSERT INTO "chain_transfers" ("chainKey", "network", "txHash", "logIndex", "token", "fromAddress", "toAddress", "amountRaw", "amountMicros",
      "blockNumber", "blockHash", "blockTime", "status", "reason", "orderId", "accountId")
    VALUES (${detected.chainKey}, ${network.id}, ${transfer.txHash}, ${transfer.logIndex}, ${transfer.token}, ${transfer.from}, ${transfer.to},
      ${transfer.amountRaw}, ${micros}, ${BigInt(transfer.blockNumber)}, ${transfer.blockHash}, ${detected.blockTime},
      ${row.status}, ${row.reason ?? null}, ${row.orderId ?? null}::uuid, ${row.accountId ?? null}::uuid)
    ON CONFLICT ("chainKey", "txHash", "logIndex") DO NOTHING
    RETURNING "id"`;
  return rows.length ? BigInt(rows[0].id) : null;
}
