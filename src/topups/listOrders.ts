import type { Tx } from "../db/index.ts";
import { toOrder, type Order } from "./order.ts";

/** An account's orders, newest first. */
export async function listOrders(tx: Tx, accountId: string, take = 10): Promise<Order[]> {
  const rows = await tx.topupOrder.findMany({ where: { accountId }, orderBy: { createdAt: "desc" }, take });
  return rows.map(toOrder);
}
