import { z } from "zod";
import { bonusRuleSchema, type BonusRuleSnapshot } from "./bonus.ts";
import { parseVerdict, type TransferVerdict } from "../chain/verdict.ts";
import type { Prisma, TopupOrder, Tx } from "../db/index.ts";
import { ORDER_STATUSES, type OrderStatus } from "./orderStatus.ts";

/**
 * An order as the rest of the code reads it: the row, with its status, its stored chain verdict
 * and the bonus rule it was created with parsed once, here. Nothing else casts them.
 */
const statusSchema = z.enum(ORDER_STATUSES);

export type Order = Omit<TopupOrder, "status" | "verdict" | "bonusRule"> & {
  status: OrderStatus;
  verdict: TransferVerdict | null;
  bonusRule: BonusRuleSnapshot;
};

export function toOrder(row: TopupOrder): Order {
  return {
    ...row,
    status: statusSchema.parse(row.status),
    verdict: parseVerdict(row.verdict),
    bonusRule: bonusRuleSchema.parse(row.bonusRule ?? {}),
  };
}

/** Updates an order row and reads it back as an Order. */
export async function updateOrder(tx: Tx, id: string, data: Prisma.TopupOrderUncheckedUpdateInput): Promise<Order> {
  return toOrder(await tx.topupOrder.update({ where: { id }, data }));
}
