import type { Tx } from "../db/index.ts";
import { editCard, orderCardKey, postCard, type SupportCard } from "../notify/outbox.ts";
import type { Platform } from "../reply.ts";
import type { Order } from "./order.ts";

/**
 * The outbox's reference to an order's support card. The card is drawn when it is delivered,
 * from the order as it is then: an edit that arrives late never shows an older state.
 */
export interface OrderCardRef {
  view: "order_card";
  orderId: string;
}

/** Posts an order's card in the support channel of the surface the customer used. */
export async function postSupportCard(tx: Tx, order: Order): Promise<void> {
  await postCard(tx, cardOf(order));
}

/** Edits the order's card in place once its state changed; `revision` makes each change its own event. */
export async function updateSupportCard(tx: Tx, order: Order, revision: string): Promise<void> {
  await editCard(tx, cardOf(order), revision);
}

function cardOf(order: Order): SupportCard {
  const payload: OrderCardRef = { view: "order_card", orderId: order.id };
  return { cardKey: orderCardKey(order.id), platform: order.surface as Platform, payload };
}
