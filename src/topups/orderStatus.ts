import { UserError } from "../errors.ts";

export const ORDER_STATUSES = ["pending", "submitted", "confirmed", "rejected", "expired", "cancelled", "refunded"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Every allowed move of an order, in one place (PRODUCT §3). */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ["submitted", "expired", "cancelled"],
  submitted: ["confirmed", "rejected"],
  confirmed: ["refunded"],
  rejected: [],
  expired: [],
  cancelled: [],
  refunded: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws the user error that explains why an order in `from` cannot become `to`. */
export function assertTransition(from: OrderStatus, to: OrderStatus, orderNo: string): void {
  if (canTransition(from, to)) return;
  const key =
    from === "expired"
      ? "errors.order_expired"
      : from === "cancelled"
        ? "errors.order_cancelled"
        : from === "confirmed" || from === "rejected" || from === "refunded"
          ? "errors.order_already_decided"
          : from === "submitted" && to === "submitted"
            ? "errors.order_already_submitted"
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
