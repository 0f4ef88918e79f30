import { z } from "zod";
import { resolveLocale } from "../i18n.ts";
import type { OutboxRenderer, QueuedMessage } from "../notify/outbox.ts";
import { transferCardData } from "../payments/transferCardOutbox.ts";
import type { Reply } from "../reply.ts";
import type { Services } from "../services.ts";
import { findOrderById, ordersWithSameScreenshot } from "../topups/findOrder.ts";
import { lowBalanceMessage } from "./lowBalanceMessage.ts";
import { orderCard } from "./orderCard.ts";
import { orderMessage } from "./orderMessage.ts";
import { refundCardData } from "../refunds/refundCardData.ts";
import { findRefundById } from "../refunds/findRefund.ts";
import { refundCard } from "./refundCard.ts";
import { refundMessage } from "./refundMessage.ts";
import { transferCard } from "./transferCard.ts";
import { adjustmentCard } from "./adjustmentCard.ts";
import { findAdjustmentById } from "../support/findAdjustment.ts";
import { inviteReversalMessage } from "./inviteMessage.ts";

const micros = z.string().regex(/^-?\d+$/).transform(BigInt);
const candidate = z.object({ orderNo: z.string(), status: z.string() });
const orderEvent = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("confirmed"), automatic: z.boolean() }),
  z.object({ kind: z.literal("rejected") }),
  z.object({ kind: z.literal("reopened") }),
  z.object({ kind: z.literal("expired") }),
]);

/** Every view the outbox may carry, as the domain modules queue them. */
const viewRef = z.discriminatedUnion("view", [
  z.object({ view: z.literal("order_card"), orderId: z.string() }),
  z.object({ view: z.literal("order_message"), orderId: z.string(), event: orderEvent }),
  z.object({ view: z.literal("low_balance"), locale: z.string(), balance: micros, threshold: micros, spent24h: micros, spent7d: micros.optional() }),
  z.object({ view: z.literal("transfer_card"), transferId: z.string().regex(/^\d+$/), candidates: z.array(candidate).default([]) }),
  z.object({ view: z.literal("adjustment_card"), adjustmentId: z.string() }),
  z.object({ view: z.literal("refund_card"), refundId: z.string() }),
  z.object({ view: z.literal("refund_message"), refundId: z.string(), event: z.enum(["approved", "rejected"]) }),
  z.object({ view: z.literal("invite_reversal"), locale: z.string(), reversed: micros, shortfall: micros, reference: z.string() }),
]);

/**
 * Draws the outbox's views when they are delivered, from the state of what they are about at that
 * moment: a support card always shows its order as it is now, however late or out of order its
 * edits arrive. Support cards are drawn in the deployment's language; a customer's message in the
 * customer's.
 */
export function outboxRenderer(services: Services): OutboxRenderer {
  const cardOptions = { methods: services.methods, locale: services.env.DEFAULT_LOCALE };
  return async (message: QueuedMessage): Promise<Reply | null> => {
    const ref = viewRef.parse(message.payload);
    switch (ref.view) {
      case "order_card": {
        const order = await findOrderById(services.prisma, ref.orderId);
        return order && orderCard(order, { ...cardOptions, sameScreenshot: await ordersWithSameScreenshot(services.prisma, order) });
      }
      case "order_message": {
        const order = await findOrderById(services.prisma, ref.orderId);
        return order && orderMessage(order, ref.event);
      }
      case "low_balance":
        return lowBalanceMessage(resolveLocale(ref.locale), ref, { buttons: message.platform !== "discord" });
      case "transfer_card": {
        const transfer = await transferCardData(services.prisma, BigInt(ref.transferId), ref.candidates);
        return transfer && transferCard(transfer, cardOptions);
      }
      case "refund_card": {
        const data = await refundCardData(services.prisma, ref.refundId);
        return data && refundCard(data, cardOptions);
      }
      case "refund_message": {
        const refund = await findRefundById(services.prisma, ref.refundId);
        return refund && refundMessage(refund, ref.event);
      }
      case "adjustment_card": {
        const adjustment = await findAdjustmentById(services.prisma, ref.adjustmentId);
        return adjustment && adjustmentCard(adjustment, { locale: cardOptions.locale, threshold: services.env.ADJUST_APPROVAL_USD });
      }
      case "invite_reversal":
        return inviteReversalMessage(resolveLocale(ref.locale), ref);
    }
  };
}
