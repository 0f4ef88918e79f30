import type { Tx } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { parseAdjustmentRef, toAdjustment, type Adjustment } from "./adjustment.ts";

/** An adjustment by number (ADJ-000012) or id. */
export async function findAdjustment(tx: Tx, ref: string, field = "request"): Promise<Adjustment> {
  const parsed = parseAdjustmentRef(ref);
  if (!parsed) throw new UserError("support_tools.errors.adjustment_ref", { ref: ref.slice(0, 40) }, field);
  const row = await tx.adjustmentRequest.findUnique({ where: "id" in parsed ? { id: parsed.id } : { seq: parsed.seq } });
  if (!row) throw new UserError("support_tools.errors.adjustment_not_found", { ref: ref.slice(0, 40) }, field);
  return toAdjustment(row);
}

/** An adjustment by id, or null: for a card drawn later. */
export async function findAdjustmentById(tx: Tx, id: string): Promise<Adjustment | null> {
  const row = await tx.adjustmentRequest.findUnique({ where: { id } });
  return row && toAdjustment(row);
}

/** Locks the request for the rest of the transaction, so two deciders are serialized. */
export async function lockAdjustment(tx: Tx, id: string): Promise<Adjustment> {
  await tx.$queryRaw`SELECT "id" FROM "adjustment_requests" WHERE "id" = ${id}::uuid FOR UPDATE`;
  return toAdjustment(await tx.adjustmentRequest.findUniqueOrThrow({ where: { id } }));
}
