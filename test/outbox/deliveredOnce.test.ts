import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimDue, deliverDue, MAX_ATTEMPTS, newLease, type Deliverer, type OutboxMessageView } from "../../src/notify/outbox.ts";
import { createDiscordDeliverer, InvalidRequestBudget } from "../../src/platforms/discord/index.ts";
import { createSlackDeliverer } from "../../src/platforms/slack/deliverer.ts";
import { createSlackApi, webClientOptions, type SlackApi } from "../../src/platforms/slack/webApi.ts";
import type { Reply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { outboxRenderer } from "../../src/views/outbox.ts";
import { createTestServices } from "../helpers/services.ts";
import { DiscordStandIn } from "../standins/discord.ts";
import { startSlackStandIn, textOf, type SlackStandIn } from "../standins/slack.ts";

const SUPPORT = "C0ONCESUPPORT";
const BOT_TOKEN = "xoxb-once-0000000000";

/**
 * A message the outbox sends reaches its person once, even when a worker dies between the
 * platform's answer and the settle (the claim runs out and another worker takes the row), and a
 * platform that only says "not now" (a 429 storm, a paused budget, a revoked token) does not use
 * up the message's attempts.
 */
let services: Services;
let slack: SlackStandIn;
let api: SlackApi;
let slackDeliverer: Deliverer;

beforeAll(async () => {
  slack = await startSlackStandIn({ botToken: BOT_TOKEN });
  services = await createTestServices();
  api = createSlackApi(new WebClient(BOT_TOKEN, webClientOptions(slack.apiUrl)), { postMessageSpacingMs: 5 });
  slackDeliverer = createSlackDeliverer({ api, prisma: services.prisma, supportChannel: SUPPORT, log: services.log });
});
afterAll(async () => {
  await api?.stop();
  await slack?.close();
  await services?.db.close();
});

const render = () => outboxRenderer(services);

async function queue(dedupeKey: string, kind: "dm" | "support_card" | "support_note", text: string, extra: { userId?: string; cardKey?: string; platform?: "slack" | "discord" } = {}) {
  const platform = extra.platform ?? "slack";
  const recipient = kind === "dm" ? { type: "user", workspaceId: slack.teamId, userId: extra.userId! } : { type: "support_channel" };
  return services.prisma.outboxMessage.create({
    data: { dedupeKey, platform, kind, recipient, payload: { blocks: [{ type: "text", text }], summary: text, private: kind === "dm", ...(extra.cardKey ? { cardKey: extra.cardKey } : {}) } },
  });
}

/** A worker claims the row and the platform takes the message; the worker dies before it settles; its lease runs out. */
async function sentThenKilled(deliverer: Deliverer, dedupeKey: string): Promise<void> {
  const [claimed] = (await claimDue(services.prisma, 50, ["slack", "discord"], newLease(60))).filter((m) => m.dedupeKey === dedupeKey);
  expect(claimed, `${dedupeKey} was claimed`).toBeDefined();
  const outcome = await deliverer.deliver({ ...claimed, payload: claimed.payload as Reply & { cardKey?: string } } as OutboxMessageView);
  expect(outcome.status).toBe("sent");
  await services.prisma.outboxMessage.update({ where: { id: claimed.id }, data: { lockedUntil: new Date(0) } });
}

async function drainOnce(deliverers: Partial<Record<"slack" | "discord", Deliverer>>) {
  await deliverDue({ prisma: services.prisma, deliverers, render: render() });
}

const messagesWith = (channel: string, text: string) => slack.messagesIn(channel).filter((m) => textOf(m.blocks, m.text).includes(text));

describe("Slack: a worker killed after Slack took the message", () => {
  it("a direct message is found in the conversation and not posted again", async () => {
    await queue("once:dm", "dm", "Your top-up CD-1 is confirmed.", { userId: "U0ONCEDM01" });
    await sentThenKilled(slackDeliverer, "once:dm");
    await drainOnce({ slack: slackDeliverer });
    const dm = slack.dmChannelOf("U0ONCEDM01")!;
    expect(messagesWith(dm, "CD-1 is confirmed")).toHaveLength(1);
    expect(slack.callsOf("conversations.history").length).toBeGreaterThanOrEqual(1);
    const row = await services.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "once:dm" } });
    expect(row.status).toBe("sent");
  });

  it("a support card found in the channel is recorded where it is, so its edits reach it", async () => {
    await queue("once:card", "support_card", "Card for CD-2", { cardKey: "test:once-card" });
    await sentThenKilled(slackDeliverer, "once:card");
    await drainOnce({ slack: slackDeliverer });
    const cards = messagesWith(SUPPORT, "Card for CD-2");
    expect(cards).toHaveLength(1);
    const recorded = await services.prisma.supportCard.findUniqueOrThrow({ where: { cardKey_platform: { cardKey: "test:once-card", platform: "slack" } } });
    expect(recorded).toMatchObject({ channelId: SUPPORT, messageId: cards[0].ts });
  });

  it("a note in the card's thread is found among the thread's replies", async () => {
    await queue("once:note", "support_note", "Note on CD-2", { cardKey: "test:once-card" });
    await sentThenKilled(slackDeliverer, "once:note");
    await drainOnce({ slack: slackDeliverer });
    const notes = messagesWith(SUPPORT, "Note on CD-2");
    expect(notes).toHaveLength(1);
    expect(notes[0].threadTs).toBe(messagesWith(SUPPORT, "Card for CD-2")[0].ts);
    expect(slack.callsOf("conversations.replies").length).toBeGreaterThanOrEqual(1);
  });

  it("a message whose first attempt never reached Slack is posted on the next", async () => {
    await queue("once:never", "dm", "Never reached", { userId: "U0ONCEDM02" });
    await claimDue(services.prisma, 50, ["slack"], newLease(60));
    await services.prisma.outboxMessage.update({ where: { dedupeKey: "once:never" }, data: { lockedUntil: new Date(0) } });
    await drainOnce({ slack: slackDeliverer });
    expect(messagesWith(slack.dmChannelOf("U0ONCEDM02")!, "Never reached")).toHaveLength(1);
  });

  it("when Slack refuses the search (an installation without the history scopes), the message is still delivered", async () => {
    await queue("once:noscope", "dm", "No scope", { userId: "U0ONCEDM03" });
    await sentThenKilled(slackDeliverer, "once:noscope");
    slack.failNext("conversations.history", 1, "missing_scope");
    await drainOnce({ slack: slackDeliverer });
    const row = await services.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "once:noscope" } });
    expect(row.status).toBe("sent");
    // At least once, as documented for that case: never lost.
    expect(messagesWith(slack.dmChannelOf("U0ONCEDM03")!, "No scope").length).toBeGreaterThanOrEqual(1);
  });
});

describe("Slack: a 429 storm longer than the message's attempts", () => {
  it(`is waited out: ${MAX_ATTEMPTS + 3} answers of 429 in a row, and the message is still delivered, once`, async () => {
    await queue("storm:1", "support_note", "After the storm");
    slack.rateLimit("chat.postMessage", MAX_ATTEMPTS + 3, 1);
    for (let round = 0; round < MAX_ATTEMPTS + 3; round++) {
      await services.prisma.outboxMessage.update({ where: { dedupeKey: "storm:1" }, data: { nextAttemptAt: new Date(0) } });
      await drainOnce({ slack: slackDeliverer });
    }
    const during = await services.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "storm:1" } });
    expect(during.status).toBe("pending");
    expect(during.attempts).toBe(0);
    expect(during.lastError).toMatch(/rate limited/);
    await services.prisma.outboxMessage.update({ where: { dedupeKey: "storm:1" }, data: { nextAttemptAt: new Date(0) } });
    await drainOnce({ slack: slackDeliverer });
    expect((await services.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "storm:1" } })).status).toBe("sent");
    expect(messagesWith(SUPPORT, "After the storm")).toHaveLength(1);
  });

  it("a message that waited out limits for longer than MAX_WAIT_HOURS is given up", async () => {
    const row = await queue("storm:old", "support_note", "Too late");
    await services.prisma.outboxMessage.update({ where: { id: row.id }, data: { createdAt: new Date(Date.now() - 73 * 3_600_000) } });
    slack.rateLimit("chat.postMessage", 1, 1);
    await drainOnce({ slack: slackDeliverer });
    const after = await services.prisma.outboxMessage.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.status).toBe("dead");
  });
});

describe("Discord", () => {
  const ids = { applicationId: "1490000000000000101", guildId: "1490000000000000102", supportChannelId: "1490000000000000103" };
  let discord: DiscordStandIn;
  beforeAll(async () => {
    discord = new DiscordStandIn({ token: "right-token-0123456789", ...ids, roles: [] });
    await discord.start();
  });
  afterAll(async () => {
    await discord?.stop();
  });

  it("a worker killed after Discord took the message: the same nonce brings back the same message, not a second one", async () => {
    const deliverer = createDiscordDeliverer(services, { token: "right-token-0123456789", supportChannelId: ids.supportChannelId, api: discord.apiUrl, budget: new InvalidRequestBudget() });
    await queue("once:discord", "support_card", "Discord card CD-3", { platform: "discord", cardKey: "test:discord-card" });
    await sentThenKilled(deliverer, "once:discord");
    await drainOnce({ discord: deliverer });
    const cards = discord.messagesIn(ids.supportChannelId).filter((m) => JSON.stringify(m).includes("Discord card CD-3"));
    expect(cards).toHaveLength(1);
    const creates = discord.calls.filter((c) => c.method === "POST" && c.path === `/channels/${ids.supportChannelId}/messages`);
    expect(creates.length).toBe(2);
    expect(new Set(creates.map((c) => c.body?.nonce)).size).toBe(1);
    expect(creates.every((c) => c.body?.enforce_nonce === true)).toBe(true);
    const recorded = await services.prisma.supportCard.findUniqueOrThrow({ where: { cardKey_platform: { cardKey: "test:discord-card", platform: "discord" } } });
    expect(recorded.messageId).toBe(cards[0].id);
  });

  it("a revoked token: each attempt asks Discord again, and the message waits instead of dying", async () => {
    const revoked = createDiscordDeliverer(services, { token: "revoked-token-000000000", supportChannelId: ids.supportChannelId, api: discord.apiUrl, budget: new InvalidRequestBudget() });
    await queue("revoked:1", "support_note", "Waiting for a new token", { platform: "discord" });
    const before = discord.calls.length;
    for (let round = 0; round < MAX_ATTEMPTS + 2; round++) {
      await services.prisma.outboxMessage.update({ where: { dedupeKey: "revoked:1" }, data: { nextAttemptAt: new Date(0) } });
      await drainOnce({ discord: revoked });
    }
    // discord.js forgets a token Discord refused; the deliverer gives it back, so every attempt reached Discord.
    expect(discord.calls.length - before).toBe(MAX_ATTEMPTS + 2);
    const row = await services.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "revoked:1" } });
    expect(row.status).toBe("pending");
    expect(row.lastError).toMatch(/401/);
    // The operator puts the right token in: the message goes out.
    const fixed = createDiscordDeliverer(services, { token: "right-token-0123456789", supportChannelId: ids.supportChannelId, api: discord.apiUrl, budget: new InvalidRequestBudget() });
    await services.prisma.outboxMessage.update({ where: { dedupeKey: "revoked:1" }, data: { nextAttemptAt: new Date(0) } });
    await drainOnce({ discord: fixed });
    expect((await services.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "revoked:1" } })).status).toBe("sent");
  });
});
