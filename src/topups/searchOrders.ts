import type { Prisma, Tx } from "../db/index.ts";
import { toOrder, type Order } from "./order.ts";
import type { OrderStatus } from "./orderStatus.ts";

export interface OrderSearch {
  /** Only this account's orders (a customer's own); every account's when absent (support). */
  accountId?: string;
  statuses: readonly OrderStatus[];
  /** "newest": the latest created first; "queue": the longest waiting for a decision first. */
  sort: "newest" | "queue";
  /** Part of an order number as someone is typing it: "12", "CD-0001", "cd12"; empty for any. */
  number?: string;
  take: number;
}

/**
 * Orders whose number contains what was typed, for suggestions while typing an order number.
 * Text that cannot be part of an order number matches nothing.
 */
export async function searchOrders(tx: Tx, search: OrderSearch): Promise<Order[]> {
  const digits = orderDigits(search.number ?? "");
  if (digits === null) return [];
  const where: Prisma.TopupOrderWhereInput = {
    status: { in: [...search.statuses] },
    ...(search.accountId ? { accountId: search.accountId } : {}),
    ...(digits ? { orderNo: { contains: digits } } : {}),
  };
  const orderBy: Prisma.TopupOrderOrderByWithRelationInput[] =
    search.sort === "queue" ? [{ submittedAt: { sort: "asc", nulls: "last" } }, { seq: "asc" }] : [{ createdAt: "desc" }, { seq: "desc" }];
  const rows = await tx.topupOrder.findMany({ where, orderBy, take: search.take });
  return rows.map(toOrder);
}

/** The digits of a partly typed order number ("" for nothing typed), or null when it cannot be one. */
function orderDigits(typed: string): string | null {
  const match = /^(?:cd-?)?(\d{0,9})$/i.exec(typed.trim());
  return match ? match[1] : null;
}
