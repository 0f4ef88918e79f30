import type { OutboxMessage } from "../../src/generated/prisma/client.ts";
import { isViewRef, type OutboxPayload, type QueuedMessage } from "../../src/notify/outbox.ts";
import type { Reply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { outboxRenderer } from "../../src/views/outbox.ts";

/** What an outbox row shows when the worker delivers it now: its view drawn, or its reply as written. */
export async function drawn(services: Services, row: OutboxMessage): Promise<Reply> {
  const payload = row.payload as unknown as OutboxPayload;
  if (!isViewRef(payload)) return payload;
  const message = { ...row, payload } as unknown as QueuedMessage;
  const reply = await outboxRenderer(services)(message);
  if (!reply) throw new Error(`outbox row ${row.dedupeKey} draws nothing`);
  return reply;
}
