import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/index.ts";
import { deliverDue, enqueue, type Deliverer } from "../../src/notify/outbox.ts";
import { onPostgres, openTestDatabase } from "../helpers/db.ts";

/** These messages are written out, not views: nothing is drawn. */
const writtenOut = async (): Promise<never> => {
  throw new Error("a written-out message was sent to the renderer");
};

/**
 * Slack answering slowly (within its client timeout) while two workers share the outbox: a claimed
 * batch takes longer to send than its lease lasts. Each message must still be sent once: a worker
 * sends a message only after renewing its lease on it, and settles it only while the lease is its.
 */
describe.skipIf(!onPostgres)("the outbox lease, with sends slower than a batch's lease", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase({ poolSize: 8 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it("two workers send every message once", async () => {
    const count = 12;
    await db.prisma.$transaction(async (tx) => {
      for (let i = 0; i < count; i++) {
        await enqueue(tx, {
          dedupeKey: `slow-${i}`,
          platform: "slack",
          kind: "dm",
          recipient: { type: "user", workspaceId: "T1", userId: `U${i}` },
          payload: { blocks: [{ type: "text", text: `message ${i}` }] },
        });
      }
    });
    const sent: string[] = [];
    const slow: Deliverer = {
      async deliver(message) {
        await new Promise((r) => setTimeout(r, 400));
        sent.push(message.dedupeKey);
        return { status: "sent" };
      },
    };
    // A lease of 1 s, batches of 12 sends of 0.4 s: each worker's batch outlives its lease.
    const worker = async () => {
      for (let round = 0; round < 20; round++) {
        await deliverDue({ prisma: db.prisma, deliverers: { slack: slow }, render: writtenOut, batchSize: count, leaseSeconds: 1 });
        if ((await db.prisma.outboxMessage.count({ where: { status: "pending" } })) === 0) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await Promise.all([worker(), (async () => (await new Promise((r) => setTimeout(r, 1200)), worker()))()]);
    expect(await db.prisma.outboxMessage.count({ where: { status: "sent" } })).toBe(count);
    expect(sent.sort()).toEqual(Array.from({ length: count }, (_, i) => `slow-${i}`).sort());
  });
});
