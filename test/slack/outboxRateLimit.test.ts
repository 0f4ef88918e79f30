import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { deliverDue } from "../../src/notify/outbox.ts";
import { outboxRenderer } from "../../src/views/outbox.ts";
import { textOf, type SlackUser } from "../standins/slack.ts";
import { answerAt, button, clickMessage, proofSubmitted, startSlackHarness, submittedTopup, support, SUPPORT_CHANNEL, type SlackHarness } from "./harness.ts";

let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Delivers until nothing is pending, waiting out Retry-After; bounded. */
async function deliverUntilDone(timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await deliverDue({ prisma: h.services.prisma, deliverers: { slack: h.surface.deliverer }, render: outboxRenderer(h.services) });
    if ((await h.services.prisma.outboxMessage.count({ where: { status: "pending" } })) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("outbox did not drain in time");
}

describe("Slack answering 429 with Retry-After", () => {
  it("keeps the message in the outbox, honours Retry-After, and delivers each message once", async () => {
    const user: SlackUser = { id: "U0LIMITED1", name: "lim" };
    // The card's first post is rate limited.
    h.standIn.rateLimit("chat.postMessage", 1, 2);
    const started = Date.now();
    const order = await proofSubmitted(h, user, "10", 0x429);
    await deliverDue({ prisma: h.services.prisma, deliverers: { slack: h.surface.deliverer }, render: outboxRenderer(h.services) });
    // The Web client does not retry by itself: one call, refused, and the card is still pending.
    const attempts = h.standIn.callsOf("chat.postMessage");
    expect(attempts.map((c) => c.status)).toEqual([429]);
    const pending = await h.services.prisma.outboxMessage.findFirstOrThrow({ where: { kind: "support_card" } });
    expect(pending.status).toBe("pending");
    // A rate limit is not the message's failure: the attempt is given back (MAX_ATTEMPTS is for real failures).
    expect(pending.attempts).toBe(0);
    expect(pending.lastError).toMatch(/rate limited/);
    // Not before Retry-After (2 s).
    expect(pending.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(started + 1900);

    await deliverUntilDone();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    const cards = h.standIn.messagesIn(SUPPORT_CHANNEL);
    expect(cards).toHaveLength(1);
    expect(h.standIn.callsOf("chat.postMessage").map((c) => c.status)).toEqual([429, 200]);
    const recorded = await h.services.prisma.supportCard.findUniqueOrThrow({ where: { cardKey_platform: { cardKey: `order:${order.id}`, platform: "slack" } } });
    expect(recorded.messageId).toBe(cards[0].ts);

    // The edit and the direct message after Confirm are rate limited too.
    h.standIn.rateLimit("chat.update", 1, 1);
    h.standIn.rateLimit("conversations.open", 1, 1);
    const click = await clickMessage(h, support, button(cards[0].blocks, translate("en", "topups.card.confirm")), cards[0]);
    await answerAt(h, click.responseUrl);
    await deliverUntilDone();
    expect(h.standIn.callsOf("chat.update").map((c) => c.status)).toEqual([429, 200]);
    expect(h.standIn.callsOf("conversations.open").map((c) => c.status)).toEqual([429, 200]);
    expect(cards[0].edits).toBe(1);
    const dms = h.standIn.messagesIn(h.standIn.dmChannelOf(user.id)!);
    expect(dms).toHaveLength(1);
    expect(textOf(dms[0].blocks)).toContain(order.orderNo);
    const rows = await h.services.prisma.outboxMessage.findMany();
    expect(rows.every((r) => r.status === "sent")).toBe(true);
  });

  it("a permanent Slack error is not retried forever (the message is dead-lettered)", async () => {
    const user: SlackUser = { id: "U0GONEUSR1", name: "gone" };
    const { card } = await submittedTopup(h, user, "10", 0x430);
    h.standIn.failNext("conversations.open", 1, "user_not_found");
    const click = await clickMessage(h, support, button(card.blocks, translate("en", "topups.card.confirm")), card);
    await answerAt(h, click.responseUrl);
    await deliverUntilDone();
    const dm = await h.services.prisma.outboxMessage.findFirstOrThrow({ where: { kind: "dm", recipient: { path: ["userId"], equals: user.id } } });
    expect(dm.status).toBe("dead");
    expect(dm.lastError).toContain("user_not_found");
  });
});
