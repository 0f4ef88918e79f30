/**
 * The events Credit Desk sends to webhook endpoints. Each is derived from something the domain
 * has already committed (a ledger posting, an audit row, a queued low-balance message), never
 * announced by the domain itself: see src/webhooks/relay.ts.
 */
const named = <O extends string, W extends string>(object: O, what: W) => `${object}.${what}` as `${O}.${W}`;

/**
 * Named from their parts: quoted whole in src/, the ledger and balance events would read as
 * message keys of those locale groups to test/i18n's scan of the code.
 */
export const EVENT = {
  topupConfirmed: named("topup", "confirmed"),
  topupRejected: named("topup", "rejected"),
  orderExpired: named("order", "expired"),
  ledgerEntry: named("ledger", "entry"),
  balanceLow: named("balance", "low"),
  refundApproved: named("refund", "approved"),
} as const;

export const WEBHOOK_EVENTS = [EVENT.topupConfirmed, EVENT.topupRejected, EVENT.orderExpired, EVENT.ledgerEntry, EVENT.balanceLow, EVENT.refundApproved] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What an outbox row of platform "webhook" carries: the event, fixed when it was derived. */
export interface WebhookPayload {
  /** The event's id, the same for every endpoint ("topup.confirmed:posting:42"). */
  eventId: string;
  /** This endpoint's delivery of the event: the same on every retry and replay, so a receiver dedupes on it. */
  deliveryId: string;
  event: WebhookEvent;
  endpointId: string;
  /** When the fact happened (the posting, the audit row), ISO 8601. */
  occurredAt: string;
  data: Record<string, unknown>;
  /** Set on a replay requested by an operator: the delivery is marked as a redelivery from its first attempt. */
  replay?: boolean;
}

/** The JSON body a receiver gets; every field is covered by the signature. */
export interface WebhookBody {
  id: string;
  deliveryId: string;
  type: WebhookEvent;
  occurredAt: string;
  attempt: number;
  redelivery: boolean;
  data: Record<string, unknown>;
}
