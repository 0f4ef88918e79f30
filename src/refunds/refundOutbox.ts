import type { Tx } from "../db/index.ts";
import { editCard, enqueue, postCard, type SupportCard } from "../notify/outbox.ts";
import type { Platform } from "../reply.ts";
import type { Refund } from "./refundRequest.ts";

/** The outbox's reference to a refund request's support card: drawn from the request as it is when delivered. */
export interface RefundCardRef {
  view: "refund_card";
  refundId: string;
}

export type RefundEvent = "approved" | "rejected";

/** The outbox's reference to the customer's message about their refund request. */
export interface RefundMessageRef {
  view: "refund_message";
  refundId: string;
  event: RefundEvent;
}

export function refundCardKey(id: string): string {
  return `refund:${id}`;
}

/** Posts a request's card in the support channel of the surface the customer asked on. */
export async function postRefundCard(tx: Tx, refund: Refund): Promise<void> {
  await postCard(tx, cardOf(refund));
}

/** Edits the request's card in place once it is decided. */
export async function updateRefundCard(tx: Tx, refund: Refund): Promise<void> {
  await editCard(tx, cardOf(refund), refund.status);
}

function cardOf(refund: Refund): SupportCard {
  const payload: RefundCardRef = { view: "refund_card", refundId: refund.id };
  return { cardKey: refundCardKey(refund.id), platform: refund.surface as Platform, payload };
}

/** Tells the customer, where they asked, what became of their request. */
export async function messageCustomer(tx: Tx, refund: Refund, event: RefundEvent): Promise<void> {
  const payload: RefundMessageRef = { view: "refund_message", refundId: refund.id, event };
  await enqueue(tx, {
    dedupeKey: `refund:${refund.id}:dm:${event}`,
    platform: refund.surface as Platform,
    kind: "dm",
    recipient: { type: "user", workspaceId: refund.customerWorkspace, userId: refund.customerUserId },
    payload,
  });
}
