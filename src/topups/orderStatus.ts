import { UserError } from "../errors.ts";

export const ORDER_STATUSES = ["pending", "submitted", "confirmed", "rejected", "expired", "cancelled", "refunded"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Every allowed move of an order, in one place (PRODUCT §3). Besides the customer's path
 * (pending → submitted → confirmed | rejected):
 * - pending → confirmed: the log scan found the payment without a proof;
 * - expired → confirmed: support accepts a late payment;
 * - rejected → submitted: support reopens it, or the customer sends the proof again after a
 *   "not found yet" rejection.
 * Who may take which move is decided by the domain function that takes it.
 */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ["submitted", "confirmed", "expired", "cancelled"],
  submitted: ["confirmed", "rejected"],
  confirmed: ["refunded"],
  rejected: ["submitted"],
  expired: ["confirmed"],
  cancelled: [],
  refunded: [],
};

/** Open orders hold their instructed amount and can still be paid. */
export const OPEN_STATUSES: readonly OrderStatus[] = ["pending", "submitted"];

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws the user error that explains why an order in `from` cannot become `to`. */
export function assertTransition(from: OrderStatus, to: OrderStatus, orderNo: string, allowedFrom?: readonly OrderStatus[]): void {
  if (canTransition(from, to) && (!allowedFrom || allowedFrom.includes(from))) return;
  const key =
    from === "expired"
      ? "errors.order_expired"
      : from === "cancelled"
        ? "errors.order_cancelled"
        : from === "confirmed" || from === "rejected" || from === "refunded"
          ? "errors.order_already_decided"
          : from === "submitted" && to === "submitted"
            ? "errors.order_already_submitted"
            : from === "pending" && to === "confirmed"
              ? "errors.order_not_paid"
              : "errors.order_wrong_state";
  throw new UserError(key, { order: orderNo, status: from });
}

/** The status words the customer sees (the Bills table of the seeds). */
export function statusKey(status: OrderStatus): string {
  return `topups.status.${status}`;
}

export function formatOrderNo(seq: number): string {
  return `CD-${String(seq).padStart(6, "0")}`;
}

/** Accepts what a customer types: "CD-000012", "cd-12", "12". */
export function normalizeOrderRef(input: string): string | null {
  const text = input.trim();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) return text.toLowerCase();
  const match = /^(?:cd-?)?(\d{1,9})$/i.exec(text);
  return match ? formatOrderNo(Number(match[1])) : null;
}
