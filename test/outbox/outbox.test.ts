import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/index.ts";
import { backoffMs, claimDue, deliverDue, enqueue, MAX_ATTEMPTS, type Deliverer, type OutboxMessageView } from "../../src/notify/outbox.ts";
import { onPostgres, openTestDatabase } from "../helpers/db.ts";

const dm = (key: string) => ({
  dedupeKey: key,
  platform: "slack" as const,
  kind: "dm" as const,
  recipient: { type: "user" as const, workspaceId: "T1", userId: "U1" },
  payload: { blocks: [{ type: "text" as const, text: key }] },
});

/** These messages are written out, not views: nothing is drawn. */
const writtenOut = async (): Promise<never> => {
  throw new Error("a written-out message was sent to the renderer");
};

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

/** Makes every pending message due now, as if its backoff had passed. */
async function timePasses() {
  await db.prisma.outboxMessage.updateMany({ where: { status: "pending" }, data: { nextAttemptAt: new Date(Date.now() - 1000) } });
}

describe("outbox", () => {
  it("enqueuing one event twice keeps one message", async () => {
    await db.prisma.$transaction(async (tx) => {
      await enqueue(tx, dm("event-1"));
      await enqueue(tx, dm("event-1"));
    });
    expect(await db.prisma.outboxMessage.count({ where: { dedupeKey: "event-1" } })).toBe(1);
  });

  it("retries with backoff after failures and delivers once", async () => {
    await db.prisma.$transaction((tx) => enqueue(tx, dm("event-2")));
    const seen: string[] = [];
    let failures = 2;
    const flaky: Deliverer = {
      async deliver(m: OutboxMessageView) {
        seen.push(m.dedupeKey);
        if (m.dedupeKey === "event-2" && failures-- > 0) return { status: "retry", error: "503 from platform" };
        return { status: "sent" };
      },
    };
    await deliverDue({ prisma: db.prisma, deliverers: { slack: flaky }, render: writtenOut });
    const afterFirst = await db.prisma.outboxMessage.findFirstOrThrow({ where: { dedupeKey: "event-2" } });
    expect(afterFirst.status).toBe("pending");
    expect(afterFirst.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + backoffMs(1) - 2000);
    expect(await deliverDue({ prisma: db.prisma, deliverers: { slack: flaky }, render: writtenOut })).toBe(0);
    for (let i = 0; i < 3; i++) {
      await timePasses();
      await deliverDue({ prisma: db.prisma, deliverers: { slack: flaky }, render: writtenOut });
    }
    expect(seen.filter((k) => k === "event-2")).toHaveLength(3);
    const done = await db.prisma.outboxMessage.findFirstOrThrow({ where: { dedupeKey: "event-2" } });
    expect(done.status).toBe("sent");
    expect(done.attempts).toBe(3);
  });

  it("honours a platform's retry-after, and gives up after the last attempt", async () => {
    await db.prisma.$transaction((tx) => enqueue(tx, dm("event-3")));
    const limited: Deliverer = { deliver: async () => ({ status: "retry", afterMs: 600_000, error: "429" }) };
    await deliverDue({ prisma: db.prisma, deliverers: { slack: limited }, render: writtenOut });
    const row = await db.prisma.outboxMessage.findFirstOrThrow({ where: { dedupeKey: "event-3" } });
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 590_000);
    for (let i = 1; i < MAX_ATTEMPTS + 2; i++) {
      await timePasses();
      await deliverDue({ prisma: db.prisma, deliverers: { slack: limited }, render: writtenOut });
    }
    const dead = await db.prisma.outboxMessage.findFirstOrThrow({ where: { dedupeKey: "event-3" } });
    expect(dead.status).toBe("dead");
    expect(dead.attempts).toBe(MAX_ATTEMPTS);
  });

  it("a permanent failure with a fallback queues the fallback instead of retrying", async () => {
    await db.prisma.$transaction((tx) => enqueue(tx, dm("event-4")));
    const blocked: Deliverer = {
      async deliver(m) {
        if (m.kind === "dm") return { status: "failed", error: "cannot DM", fallback: { ...dm("event-4:note"), kind: "support_note", recipient: { type: "support_channel" } } };
        return { status: "sent" };
      },
    };
    await deliverDue({ prisma: db.prisma, deliverers: { slack: blocked }, render: writtenOut });
    await deliverDue({ prisma: db.prisma, deliverers: { slack: blocked }, render: writtenOut });
    const rows = await db.prisma.outboxMessage.findMany({ where: { dedupeKey: { startsWith: "event-4" } }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.kind, r.status])).toEqual([["dm", "dead"], ["support_note", "sent"]]);
  });

  it.skipIf(!onPostgres)("concurrent claimers never take the same message (PostgreSQL)", async () => {
    await db.prisma.$transaction(async (tx) => {
      for (let i = 0; i < 200; i++) await enqueue(tx, dm(`bulk-${i}`));
    });
    const claims = await Promise.all(Array.from({ length: 8 }, () => claimDue(db.prisma, 50, ["slack"])));
    const ids = claims.flat().map((m) => m.dedupeKey).filter((k) => k.startsWith("bulk-"));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(200);
  });
});
