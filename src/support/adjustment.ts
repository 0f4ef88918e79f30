import { z } from "zod";
import type { Prisma, Tx } from "../db/index.ts";
import type { AdjustmentRequest } from "../generated/prisma/client.ts";
import { BUCKETS } from "../ledger/types.ts";

/**
 * An adjustment or voucher as the rest of the code reads it: the row with its status, type and
 * bucket parsed once, here, and its number (ADJ-000012) beside it.
 */
export const ADJUSTMENT_STATUSES = ["pending", "applied", "approved", "declined"] as const;
export type AdjustmentStatus = (typeof ADJUSTMENT_STATUSES)[number];

/** The entry types support grants by hand. */
export const GRANT_TYPES = ["admin_adjustment", "voucher"] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export type Adjustment = Omit<AdjustmentRequest, "status" | "entryType" | "bucket"> & {
  status: AdjustmentStatus;
  entryType: GrantType;
  bucket: (typeof BUCKETS)[number];
  adjustmentNo: string;
};

const statusSchema = z.enum(ADJUSTMENT_STATUSES);
const typeSchema = z.enum(GRANT_TYPES);
const bucketSchema = z.enum(BUCKETS);

export function toAdjustment(row: AdjustmentRequest): Adjustment {
  return {
    ...row,
    status: statusSchema.parse(row.status),
    entryType: typeSchema.parse(row.entryType),
    bucket: bucketSchema.parse(row.bucket),
    adjustmentNo: formatAdjustmentNo(row.seq),
  };
}

export function formatAdjustmentNo(seq: number): string {
  return `ADJ-${String(seq).padStart(6, "0")}`;
}

/** "ADJ-000012", "adj-12", "12" or the request's id. */
export function parseAdjustmentRef(input: string): { seq: number } | { id: string } | null {
  const text = input.trim();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) return { id: text.toLowerCase() };
  const match = /^(?:adj-?)?(\d{1,9})$/i.exec(text);
  return match ? { seq: Number(match[1]) } : null;
}

/** The ledger posting's key: an adjustment is written once, however many approve it at once. */
export function adjustmentKey(id: string): string {
  return `adjustment:${id}`;
}

/** Written to the ledger: at once, or after a second member's approval. */
export function isWritten(status: AdjustmentStatus): boolean {
  return status === "applied" || status === "approved";
}

export async function updateAdjustment(tx: Tx, id: string, data: Prisma.AdjustmentRequestUncheckedUpdateInput): Promise<Adjustment> {
  return toAdjustment(await tx.adjustmentRequest.update({ where: { id }, data }));
}
