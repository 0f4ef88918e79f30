import { z } from "zod";
import type { Prisma, Tx } from "../db/index.ts";

/**
 * A refund request as the rest of the code reads it: the row, with its status and its allocations
 * parsed once, here. Nothing else casts them.
 */
export const REFUND_STATUSES = ["pending", "approved", "rejected"] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

const micros = z.string().regex(/^\d+$/).transform(BigInt);

/** What one top-up order gave to an approved refund (stored as JSON, micro-USD as strings). */
const allocationSchema = z.object({
  orderId: z.string(),
  orderNo: z.string(),
  principal: micros,
  bonus: micros,
  bonusDue: micros,
  fullyRefunded: z.boolean(),
});
export type RefundAllocation = z.output<typeof allocationSchema>;

type RefundRow = Prisma.RefundRequestGetPayload<object>;

export type Refund = Omit<RefundRow, "status" | "allocations"> & {
  status: RefundStatus;
  refundNo: string;
  allocations: RefundAllocation[];
};

export function toRefund(row: RefundRow): Refund {
  return {
    ...row,
    status: z.enum(REFUND_STATUSES).parse(row.status),
    refundNo: formatRefundNo(row.seq),
    allocations: z.array(allocationSchema).parse(row.allocations ?? []),
  };
}

export function allocationsJson(allocations: readonly RefundAllocation[]): object[] {
  return allocations.map((a) => ({
    orderId: a.orderId,
    orderNo: a.orderNo,
    principal: a.principal.toString(),
    bonus: a.bonus.toString(),
    bonusDue: a.bonusDue.toString(),
    fullyRefunded: a.fullyRefunded,
  }));
}

export function formatRefundNo(seq: number): string {
  return `RF-${String(seq).padStart(6, "0")}`;
}

/** Accepts what support types: "RF-000012", "rf-12", "12", or the request's id. */
export function normalizeRefundRef(input: string): { seq: number } | { id: string } | null {
  const text = input.trim();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) return { id: text.toLowerCase() };
  const match = /^(?:rf-?)?(\d{1,9})$/i.exec(text);
  return match ? { seq: Number(match[1]) } : null;
}

/** Updates a request row and reads it back as a Refund. */
export async function updateRefund(tx: Tx, id: string, data: Prisma.RefundRequestUncheckedUpdateInput): Promise<Refund> {
  return toRefund(await tx.refundRequest.update({ where: { id }, data }));
}
