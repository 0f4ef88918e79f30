import type { Tx } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { toOrder, type Order } from "./order.ts";
import { normalizeOrderRef } from "./orderStatus.ts";

/** Finds an order by number or id. A customer sees only their own: a foreign order is "not found". */
export async function findOrder(tx: Tx, ref: string, options: { accountId?: string; field?: string } = {}): Promise<Order> {
  const normalized = normalizeOrderRef(ref);
  if (!normalized) throw new UserError("errors.order_ref_format", { ref: ref.slice(0, 40) }, options.field ?? "order");
  const order = await tx.topupOrder.findFirst({
    where: normalized.startsWith("CD-") ? { orderNo: normalized } : { id: normalized },
  });
  if (!order || (options.accountId && order.accountId !== options.accountId)) {
    throw new UserError("errors.order_not_found", { order: normalized }, options.field ?? "order");
  }
  return toOrder(order);
}

/** Locks an order row for the rest of the transaction, so two deciders are serialized. */
export async function lockOrder(tx: Tx, orderId: string): Promise<Order> {
  await tx.$queryRaw`SELECT "id" FROM "topup_orders" WHERE "id" = ${orderId}::uuid FOR UPDATE`;
  return toOrder(await tx.topupOrder.findUniqueOrThrow({ where: { id: orderId } }));
}

/** An order by id, or null: for what is drawn later from an order that may be gone. */
export async function findOrderById(tx: Tx, id: string): Promise<Order | null> {
  const row = await tx.topupOrder.findUnique({ where: { id } });
  return row && toOrder(row);
}

/** The other orders whose proof carries this order's screenshot. */
export async function ordersWithSameScreenshot(tx: Tx, order: Pick<Order, "id" | "screenshotSha256">): Promise<string[]> {
  if (!order.screenshotSha256) return [];
  const others = await tx.topupOrder.findMany({
    where: { screenshotSha256: order.screenshotSha256, id: { not: order.id } },
    select: { orderNo: true },
    orderBy: { seq: "asc" },
    take: 5,
  });
  return others.map((o) => o.orderNo);
}
