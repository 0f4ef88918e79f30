/**
 * The events Credit Desk sends to webhook endpoints. Each is derived from something the domain
 * has already committed (a ledger posting, an audit row, a queued low-balance message), never
 * announced by the domain itself: see src/webhooks/relay.ts.
 */
export const WEBHOOK_EVENTS = [
  "topup.confirmed",
  "topup.rejected",
  "order.expired",
  "ledger.entry",
  "balance.low",
  "refund.approved",
] as const;
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
