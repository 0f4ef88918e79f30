import type { PrismaClient } from "../db/index.ts";
import { enqueue, type Recipient } from "../notify/outbox.ts";
import type { WebhookPayload } from "./events.ts";
import { asOutboxPayload } from "../notify/integrationPayload.ts";

export interface Replayed {
  outboxId: bigint;
  deliveryId: string;
  event: string;
  endpointId: string;
}

/**
 * Queues a webhook delivery again (an operator's replay, after the endpoint was fixed): a new
 * outbox message with the same event, endpoint and delivery id, marked as a redelivery, so a
 * receiver that did process it dedupes it. `ref` is the outbox id or the delivery id.
 */
export async function replayWebhook(prisma: PrismaClient, ref: string, now = new Date()): Promise<Replayed | null> {
  const byId = /^\d+$/.test(ref);
  const original = byId
    ? await prisma.outboxMessage.findFirst({ where: { id: BigInt(ref), platform: "webhook" } })
    : await prisma.outboxMessage.findFirst({ where: { platform: "webhook", payload: { path: ["deliveryId"], equals: ref.toLowerCase() } }, orderBy: { id: "asc" } });
  if (!original) return null;
  const payload = original.payload as unknown as WebhookPayload;
  const root = original.dedupeKey.split("#replay@")[0];
  const dedupeKey = `${root}#replay@${now.toISOString()}`;
  return prisma.$transaction(async (tx) => {
    await enqueue(tx, {
      dedupeKey,
      platform: "webhook",
      kind: "webhook",
      recipient: original.recipient as unknown as Recipient,
      payload: asOutboxPayload({ ...payload, replay: true }),
    });
    const queued = await tx.outboxMessage.findUniqueOrThrow({ where: { dedupeKey }, select: { id: true } });
    return { outboxId: queued.id, deliveryId: payload.deliveryId, event: payload.event, endpointId: payload.endpointId };
  });
}
