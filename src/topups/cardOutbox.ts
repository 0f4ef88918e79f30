import type { Platform } from "../core/command.ts";
import type { Tx } from "../db/index.ts";
import { enqueue, orderCardKey } from "../notify/outbox.ts";
import type { Services } from "../services.ts";
import type { Order } from "./order.ts";
import { supportCard } from "./supportCard.ts";

/** The other orders whose proof carries this order's screenshot: flagged on its card. */
async function sameScreenshotAs(tx: Tx, order: Order): Promise<string[]> {
  if (!order.screenshotSha256) return [];
  const others = await tx.topupOrder.findMany({
    where: { screenshotSha256: order.screenshotSha256, id: { not: order.id } },
    select: { orderNo: true },
    orderBy: { seq: "asc" },
    take: 5,
  });
  return others.map((o) => o.orderNo);
}

/** Posts an order's card in the support channel of the surface the customer used. */
export async function postSupportCard(tx: Tx, services: Services, order: Order): Promise<void> {
  const sameScreenshot = await sameScreenshotAs(tx, order);
  await enqueue(tx, {
    dedupeKey: `order:${order.id}:card`,
    platform: order.surface as Platform,
    kind: "support_card",
    recipient: { type: "support_channel" },
    payload: supportCard(order, { methods: services.methods, locale: services.env.DEFAULT_LOCALE, sameScreenshot }),
    cardKey: orderCardKey(order.id),
  });
}

/** Edits the order's card in place to show its new state; `revision` makes each edit its own event. */
export async function updateSupportCard(tx: Tx, services: Services, order: Order, revision: string, decidedBy?: string): Promise<void> {
  const sameScreenshot = await sameScreenshotAs(tx, order);
  await enqueue(tx, {
    dedupeKey: `order:${order.id}:card:${revision}`,
    platform: order.surface as Platform,
    kind: "card_update",
    recipient: { type: "card", cardKey: orderCardKey(order.id) },
    payload: supportCard(order, { methods: services.methods, locale: services.env.DEFAULT_LOCALE, decidedBy, sameScreenshot }),
    cardKey: orderCardKey(order.id),
  });
}
