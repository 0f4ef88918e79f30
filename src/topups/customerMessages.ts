import type { OutboxInput } from "../notify/outbox.ts";
import type { Platform } from "../reply.ts";
import type { Order } from "./order.ts";

/** What a customer is told about an order. */
export type OrderEvent =
  | { kind: "confirmed"; automatic: boolean }
  | { kind: "rejected" }
  | { kind: "reopened" }
  | { kind: "expired" };

/** The outbox's reference to a customer's message about an order: drawn from the order when it is delivered. */
export interface OrderMessageRef {
  view: "order_message";
  orderId: string;
  event: OrderEvent;
}

export function orderMessageOutbox(order: Order, event: OrderEvent, dedupeKey = `order:${order.id}:dm:${event.kind}`): OutboxInput {
  const payload: OrderMessageRef = { view: "order_message", orderId: order.id, event };
  return {
    dedupeKey,
    platform: order.surface as Platform,
    kind: "dm",
    recipient: { type: "user", workspaceId: order.customerWorkspace, userId: order.customerUserId },
    payload,
  };
}
