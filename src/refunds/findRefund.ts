import type { Tx } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { Refusal } from "../topups/refusal.ts";
import { normalizeRefundRef, toRefund, type Refund } from "./refundRequest.ts";

/** Finds a refund request by number ("RF-000012") or id. */
export async function findRefund(tx: Tx, ref: string, field = "request"): Promise<Refund> {
  const normalized = normalizeRefundRef(ref);
  if (!normalized) throw new UserError("refunds.errors.ref_format", { ref: ref.slice(0, 40) }, field);
  const row = await tx.refundRequest.findUnique({ where: normalized });
  if (!row) throw new UserError("refunds.errors.not_found", { ref: ref.slice(0, 40) }, field);
  return toRefund(row);
}

/** Locks a request row for the rest of the transaction, so two deciders are serialized. */
export async function lockRefund(tx: Tx, id: string): Promise<Refund> {
  await tx.$queryRaw`SELECT "id" FROM "refund_requests" WHERE "id" = ${id}::uuid FOR UPDATE`;
  return toRefund(await tx.refundRequest.findUniqueOrThrow({ where: { id } }));
}

/** A request by id, or null: for what is drawn later. */
export async function findRefundById(tx: Tx, id: string): Promise<Refund | null> {
  const row = await tx.refundRequest.findUnique({ where: { id } });
  return row && toRefund(row);
}

/** The refusal of a second decision on a request: it says what the first one was. */
export function alreadyDecided(refund: Refund): Refusal {
  const key = refund.status === "approved" ? "refunds.errors.already_approved" : "refunds.errors.already_rejected";
  return new Refusal(`status_${refund.status}`, new UserError(key, { refund: refund.refundNo, by: refund.decidedById ?? "?" }));
}
