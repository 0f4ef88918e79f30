import type { OutboxMessageView, OutboxPayload } from "./outbox.ts";

/**
 * The outbox types its payloads as chat replies or view references; an integration's message
 * (a webhook event, a quota change) is neither and is never drawn: it goes to its own deliverer
 * as stored. These two functions are the one place that crosses that line.
 */
export function asOutboxPayload<T extends object>(payload: T): OutboxPayload {
  return payload as unknown as OutboxPayload;
}

export function integrationPayload<T>(message: Pick<OutboxMessageView, "payload">): T {
  return message.payload as unknown as T;
}
