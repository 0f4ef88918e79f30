import type { Platform } from "../core/command.ts";
import type { Tx } from "../db/index.ts";
import { enqueue } from "../notify/outbox.ts";
import type { Services } from "../services.ts";
import type { Order } from "./findOrder.ts";
import { supportCard } from "./supportCard.ts";

/** Posts an order's card in the support channel of the surface the customer used. */
export async function postSupportCard(tx: Tx, services: Services, order: Order): Promise<void> {
  await enqueue(tx, {
    dedupeKey: `order:${order.id}:card`,
    platform: order.surface as Platform,
    kind: "support_card",
    recipient: { type: "support_channel" },
    payload: supportCard(order, { methods: services.methods, locale: services.env.DEFAULT_LOCALE }),
    orderId: order.id,
  });
}

/** Edits the order's card in place to show its new state; `revision` makes each edit its own event. */
export async function updateSupportCard(tx: Tx, services: Services, order: Order, revision: string, decidedBy?: string): Promise<void> {
  await enqueue(tx, {
    dedupeKey: `order:${order.id}:card:${revision}`,
    platform: order.surface as Platform,
    kind: "card_update",
    recipient: { type: "card", orderId: order.id },
    payload: supportCard(order, { methods: services.methods, locale: services.env.DEFAULT_LOCALE, decidedBy }),
    orderId: order.id,
  });
}
