import type { Tx } from "../db/index.ts";
import { toAdjustment, type Adjustment } from "./adjustment.ts";

/** An account's adjustments and vouchers still waiting for a second member, oldest first. */
export async function listPendingAdjustments(tx: Tx, accountId: string, take = 10): Promise<Adjustment[]> {
  const rows = await tx.adjustmentRequest.findMany({ where: { accountId, status: "pending" }, orderBy: { createdAt: "asc" }, take });
  return rows.map(toAdjustment);
}
