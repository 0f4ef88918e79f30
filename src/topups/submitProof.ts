import { recordAudit } from "../audit/recordAudit.ts";
import { normalizeTxHash } from "../chain/txHash.ts";
import type { Caller } from "../core/command.ts";
import { Prisma } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { checkScreenshot } from "../files/sniffImage.ts";
import type { UploadedFile } from "../reply.ts";
import type { Services } from "../services.ts";
import { postSupportCard } from "./cardOutbox.ts";
import { findOrder, lockOrder } from "./findOrder.ts";
import { findMethod } from "./methods.ts";
import { assertTransition, type OrderStatus } from "./orderStatus.ts";

export interface SubmitProofInput {
  accountId: string;
  caller: Caller;
  orderRef: string;
  txHash: string;
  screenshot: UploadedFile;
}

const MANUAL_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9_\-./]{3,99}$/;

/**
 * Attaches the payment proof to a customer's pending order: a hash in the network's format that
 * no order has ever used, and a screenshot that is really an image. The order moves to
 * `submitted` and its card goes to the support channel, in one transaction.
 */
export async function submitProof(services: Services, input: SubmitProofInput) {
  const order = await findOrder(services.prisma, input.orderRef, { accountId: input.accountId });
  const method = findMethod(services.methods, order.methodId);
  if (!method) throw new UserError("errors.unknown_method", { method: order.methodId, methods: "" }, "order");
  ensurePayable(order.status as OrderStatus, order.expiresAt, services.now(), order.orderNo);

  let txHash: string;
  if (method.kind === "usdt") txHash = normalizeTxHash(method.family, input.txHash, "txHash");
  else {
    txHash = input.txHash.trim();
    if (!MANUAL_REFERENCE.test(txHash)) throw new UserError("errors.payment_reference_format", {}, "txHash");
  }
  const mime = checkScreenshot(input.screenshot.bytes, services.env.SCREENSHOT_MAX_BYTES, "screenshot");

  const used = await services.prisma.topupOrder.findFirst({ where: { network: order.network, txHash } });
  if (used) throw new UserError("errors.tx_hash_used", {}, "txHash");

  const sha256 = await services.files.put(input.screenshot.bytes);
  try {
    return await services.prisma.$transaction(async (tx) => {
      const current = await lockOrder(tx, order.id);
      ensurePayable(current.status as OrderStatus, current.expiresAt, services.now(), current.orderNo);
      await tx.storedFile.upsert({
        where: { sha256 },
        create: { sha256, mime, size: input.screenshot.bytes.length },
        update: {},
      });
      const updated = await tx.topupOrder.update({
        where: { id: order.id },
        data: {
          status: "submitted",
          txHash,
          screenshotSha256: sha256,
          screenshotMime: mime,
          submittedAt: services.now(),
        },
      });
      await recordAudit(tx, {
        actorType: "customer",
        actorId: input.caller.userId,
        platform: input.caller.platform,
        action: "topup.proof",
        outcome: "ok",
        orderId: order.id,
        accountId: order.accountId,
        detail: { txHash },
      });
      await postSupportCard(tx, services, updated);
      return updated;
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new UserError("errors.tx_hash_used", {}, "txHash");
    }
    throw err;
  }
}

function ensurePayable(status: OrderStatus, expiresAt: Date, now: Date, orderNo: string): void {
  if (status === "pending" && expiresAt.getTime() <= now.getTime()) {
    throw new UserError("errors.order_expired", { order: orderNo }, "order");
  }
  assertTransition(status, "submitted", orderNo);
}
