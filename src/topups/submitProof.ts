import { recordAudit } from "../audit/recordAudit.ts";
import { exactTokenUnits, tokenTransfersOf } from "../chain/verifyTransfer.ts";
import type { Caller } from "../core/command.ts";
import { Prisma } from "../db/index.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";
import { UserError } from "../errors.ts";
import { checkScreenshot } from "../files/sniffImage.ts";
import type { UploadedFile } from "../reply.ts";
import type { Services } from "../services.ts";
import { postSupportCard, updateSupportCard } from "./cardOutbox.ts";
import { chainKeyOfOrder } from "./confirmTopup.ts";
import { findOrder, lockOrder } from "./findOrder.ts";
import { updateOrder, type Order } from "./order.ts";
import { httpRpcUrls } from "../chain/network.ts";
import { findMethod, type UsdtNetwork } from "../methods/paymentMethods.ts";
import { assertTransition, type OrderStatus } from "./orderStatus.ts";
import { proofReference } from "./proofReference.ts";

export interface SubmitProofInput {
  accountId: string;
  caller: Caller;
  orderRef: string;
  txHash: string;
  screenshot: UploadedFile;
}

/**
 * Attaches the payment proof to a customer's order: a hash in the network's format (or a bank
 * reference) that no other order cites, and a screenshot that is really an image. The order moves
 * to `submitted` and its card goes to the support channel, in one transaction.
 *
 * A proof is cited by one order, across every network and account. The one exception is a
 * transaction that pays several orders (an exchange's batch withdrawal): a second order may cite
 * the same hash when the transaction holds another transfer of exactly that order's amount to its
 * address. An order rejected as "not found yet" takes a proof again.
 */
export async function submitProof(services: Services, input: SubmitProofInput) {
  const order = await findOrder(services.prisma, input.orderRef, { accountId: input.accountId });
  const method = findMethod(services.methods, order.methodId);
  if (!method) throw new UserError("errors.unknown_method", { method: order.methodId, methods: "" }, "order");
  ensureSubmittable(order, services.now());

  const { txHash, proofKey } = proofReference(method, input.txHash);
  const mime = checkScreenshot(input.screenshot.bytes, services.env.SCREENSHOT_MAX_BYTES, "screenshot");

  const holders = await services.prisma.topupOrder.findMany({
    where: { proofKey, id: { not: order.id } },
    select: { orderNo: true, proofLogIndex: true },
    orderBy: { seq: "asc" },
  });
  let proofLogIndex: number | null = null;
  if (holders.length > 0) {
    const batchLog = method.kind === "usdt" ? await batchTransferFor(services, method, order, txHash, holders) : null;
    if (batchLog === null) throw new UserError("errors.tx_hash_used_by", { order: holders[0].orderNo }, "txHash");
    proofLogIndex = batchLog;
  }

  const sha256 = await services.files.put(input.screenshot.bytes);
  try {
    return await services.prisma.$transaction(async (tx) => {
      const current = await lockOrder(tx, order.id);
      ensureSubmittable(current, services.now());
      const resubmitted = current.status === "rejected";
      await tx.storedFile.upsert({
        where: { sha256 },
        create: { sha256, mime, size: input.screenshot.bytes.length },
        update: {},
      });
      const updated = await updateOrder(tx, order.id, {
          status: "submitted",
          txHash,
          proofKey,
          proofLogIndex,
          screenshotSha256: sha256,
          screenshotMime: mime,
          submittedAt: services.now(),
          ...(resubmitted ? { verdict: Prisma.DbNull, verifiedAt: null, reviewNote: null, rejectReason: null, rejectNote: null, decidedAt: null, decidedByType: null, decidedById: null } : {}),
        });
      await recordAudit(tx, {
        actorType: "customer",
        actorId: input.caller.userId,
        platform: input.caller.platform,
        action: resubmitted ? "topup.proof_again" : "topup.proof",
        outcome: "ok",
        orderId: order.id,
        accountId: order.accountId,
        detail: { txHash, ...(proofLogIndex !== null ? { logIndex: proofLogIndex } : {}) },
      });
      if (resubmitted) await updateSupportCard(tx, updated, `proof:${Date.parse(services.now().toISOString())}`);
      else await postSupportCard(tx, updated);
      return updated;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      const holder = await services.prisma.topupOrder.findFirst({ where: { proofKey, id: { not: order.id } }, select: { orderNo: true } });
      throw new UserError("errors.tx_hash_used_by", { order: holder?.orderNo ?? "?" }, "txHash");
    }
    throw err;
  }
}

/**
 * A pending order takes a proof; so does one rejected as "not found yet" (the customer sends it
 * again, perhaps with the same hash, once the transfer is on chain). Anything else says why not.
 */
function ensureSubmittable(order: Order, now: Date): void {
  const { status } = order;
  if (status === "pending" && order.expiresAt.getTime() <= now.getTime()) {
    throw new UserError("errors.order_expired", { order: order.orderNo }, "order");
  }
  const allowed: OrderStatus[] = order.rejectReason === "not_found" ? ["pending", "rejected"] : ["pending"];
  assertTransition(status, "submitted", order.orderNo, allowed);
}

/**
 * The log index this order may cite in a transaction another order already cites: a transfer of
 * exactly this order's instructed amount (or any transfer, to this account's own address) that no
 * other order cites or was credited with. Null when there is none, or the chain cannot tell.
 */
async function batchTransferFor(
  services: Services,
  network: UsdtNetwork,
  order: Order,
  txHash: string,
  holders: { proofLogIndex: number | null }[],
): Promise<number | null> {
  if (httpRpcUrls(network).length === 0 || !order.payAddress || network.attribution === "none") return null;
  let logs;
  try {
    logs = await tokenTransfersOf(network, txHash);
  } catch (err) {
    services.log.warn({ err, order: order.id }, "could not read a cited transaction to check for a batch withdrawal");
    return null;
  }
  if (!logs) return null;
  const claimed = new Set(holders.map((h) => h.proofLogIndex).filter((i): i is number => i !== null));
  const expectedRaw = exactTokenUnits(order.instructedAmount, network.decimals);
  const chainKey = chainKeyOfOrder(services, order);
  for (const log of logs) {
    if (log.to !== order.payAddress || claimed.has(log.logIndex)) continue;
    if (network.attribution === "unique-amount" && BigInt(log.amountRaw) !== expectedRaw) continue;
    const credited = chainKey ? await services.prisma.creditedLog.findUnique({ where: { chainKey_txHash_logIndex: { chainKey, txHash, logIndex: log.logIndex } } }) : null;
    if (credited && credited.orderId !== order.id) continue;
    return log.logIndex;
  }
  return null;
}
