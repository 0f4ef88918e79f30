import { deliverDue, runOutbox, type Deliverers } from "../../../../src/notify/outbox.ts";
import { createDiscordDeliverer, InvalidRequestBudget } from "../../../../src/platforms/discord/index.ts";
import { slackDelivererFromEnv } from "../../../../src/platforms/slack/index.ts";
import type { Services } from "../../../../src/services.ts";
import { outboxRenderer } from "../../../../src/views/outbox.ts";
import { DiscordStandIn } from "../../../standins/discord.ts";
import { startSlackStandIn, textOf, type SlackStandIn } from "../../../standins/slack.ts";
import { realServices } from "../services.ts";
import { seconds } from "../table.ts";
import type { RunContext } from "../../run.ts";

const SLACK_MESSAGES = 40;
const DISCORD_MESSAGES = 60;
const BUDGET = { pauseAt: 40, windowMs: 20_000 };
const SHARED = 30;
const STORM_MS = 8_000;
const FLOOD_MESSAGES = 60;
const BLOCKED_DMS = 60;
const DISCORD = { applicationId: "1390000000000000001", guildId: "1390000000000000002", supportChannelId: "1390000000000000003" };

/**
 * A storm of 429s from the Slack and Discord stand-ins while the real outbox loop (runOutbox)
 * delivers through the production deliverers. Nothing may be lost or sent twice; a message is not
 * tried again before the Retry-After it was given; and on Discord the invalid-request budget
 * (InvalidRequestBudget, here with a small threshold so the test sees it act) holds: never more
 * invalid answers in a window than the budget allows, and deliveries pause instead.
 * Then a long storm, time compressed: a message refused with 429 over and over.
 */
export async function rateLimitFault(ctx: RunContext): Promise<void> {
  const section = "3 faults";
  const slack = await startSlackStandIn({ botToken: ctx.secrets.SLACK_BOT_TOKEN });
  const discord = new DiscordStandIn({ token: ctx.secrets.DISCORD_TOKEN, ...DISCORD, roles: [] });
  await discord.start();
  const url = await ctx.server.createDatabase("storm");
  const services = await realServices({
    url,
    capture: ctx.capture,
    name: "storm",
    logLevel: "info",
    env: {
      SLACK_BOT_TOKEN: ctx.secrets.SLACK_BOT_TOKEN,
      SLACK_SIGNING_SECRET: ctx.secrets.SLACK_SIGNING_SECRET,
      SLACK_SUPPORT_CHANNEL: "C0STORMSUPP",
      SLACK_SUPPORT_USERS: "U0STORMSUP1",
      SLACK_API_URL: slack.apiUrl,
      DISCORD_TOKEN: ctx.secrets.DISCORD_TOKEN,
      DISCORD_APPLICATION_ID: DISCORD.applicationId,
      DISCORD_SUPPORT_CHANNEL: DISCORD.supportChannelId,
      DISCORD_SUPPORT_ROLES: "1390000000000000010",
      DISCORD_API_URL: discord.apiUrl,
    },
  });
  try {
    await slackStorm(ctx, services, slack, section);
    await discordStorm(ctx, services, discord, section);
    await discordBlockedDms(ctx, services, discord, section);
    await discordRevokedToken(ctx, services, discord, section);
    await longStorm(ctx, services, slack, discord, section);
  } finally {
    await services.db.close();
    await slack.close();
    await discord.stop();
  }
}

async function drain(services: Services, deliverers: Deliverers, platform: string, timeoutMs: number): Promise<number> {
  const stop = new AbortController();
  const loop = runOutbox({ prisma: services.prisma, deliverers, render: outboxRenderer(services), log: services.log, pollMs: 50, signal: stop.signal });
  const deadline = Date.now() + timeoutMs;
  let left = -1;
  while (Date.now() < deadline) {
    left = await services.prisma.outboxMessage.count({ where: { platform, status: "pending" } });
    if (left === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  stop.abort();
  await loop;
  return left;
}

async function slackStorm(ctx: RunContext, services: Services, slack: SlackStandIn, section: string): Promise<void> {
  const started = Date.now();
  await services.prisma.outboxMessage.createMany({
    data: Array.from({ length: SLACK_MESSAGES }, (_, n) => ({
      dedupeKey: `storm-slack:${n}`,
      platform: "slack",
      kind: "dm",
      recipient: { type: "user", workspaceId: slack.teamId, userId: `U0STORM${String(n % 12).padStart(4, "0")}` },
      payload: { blocks: [{ type: "text", text: `Storm message ${n}` }], summary: `Storm message ${n}`, private: true },
    })),
  });
  // The storm: the next 50 chat.postMessage and 8 conversations.open calls answer 429.
  slack.rateLimit("chat.postMessage", 50, 1);
  slack.rateLimit("conversations.open", 8, 2);
  const delivery = slackDelivererFromEnv(services);
  const left = await drain(services, { slack: delivery.deliverer }, "slack", 90_000);
  await delivery.stop();

  const counts = new Map<number, number>();
  for (const m of slack.messages) {
    const n = Number(/Storm message (\d+)/.exec(textOf(m.blocks, m.text))?.[1] ?? -1);
    if (n >= 0) counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  const lost = SLACK_MESSAGES - counts.size;
  const twice = [...counts.values()].filter((c) => c > 1).length;
  const limited = slack.calls.filter((c) => c.status === 429);
  // Per channel: after a 429 with Retry-After r, nothing more to that channel before r has passed.
  let early = 0;
  for (const hit of limited.filter((c) => c.method === "chat.postMessage")) {
    const channel = hit.args.channel;
    // (100 ms of slack: both times are taken when the stand-in answers, not when the call left.)
    if (slack.callsOf("chat.postMessage").some((c) => c.args.channel === channel && c.at > hit.at && c.at < hit.at + 900)) early += 1;
  }
  const dead = await services.prisma.outboxMessage.count({ where: { platform: "slack", status: "dead" } });
  ctx.results.add(
    section,
    `Slack 429 storm (50 chat.postMessage + 8 conversations.open answered 429, Retry-After 1–2 s), ${SLACK_MESSAGES} DMs through the production deliverer and runOutbox`,
    `${limited.length} 429s; delivered ${counts.size}/${SLACK_MESSAGES}, ${lost} lost, ${twice} twice, ${dead} dead, ${left} left; ${early} retries to a channel inside its Retry-After; ${seconds(Date.now() - started)}`,
    lost === 0 && twice === 0 && dead === 0 && left === 0 && early === 0,
  );
}

async function discordStorm(ctx: RunContext, services: Services, discord: DiscordStandIn, section: string): Promise<void> {
  const started = Date.now();
  const users = Array.from({ length: 8 }, (_, i) => `14${String(i).padStart(16, "0")}`);
  await services.prisma.outboxMessage.createMany({
    data: Array.from({ length: DISCORD_MESSAGES }, (_, n) => ({
      dedupeKey: `storm-discord:${n}`,
      platform: "discord",
      kind: n % 5 === 0 ? "support_note" : "dm",
      recipient: n % 5 === 0 ? { type: "support_channel" } : { type: "user", workspaceId: "discord", userId: users[n % users.length] },
      payload: { blocks: [{ type: "text", text: `Storm message ${n}` }], summary: `Storm message ${n}`, private: true },
    })),
  });
  // A storm of STORM_MS: every message post and DM-channel opening answers 429 (the first ones of
  // the "shared" scope, which Discord does not count as invalid; the rest of the user's scope).
  discord.rateLimitNext("POST", /^\/channels\/\d+\/messages$/, SHARED, 1, "shared");
  discord.rateLimitNext("POST", /^\/channels\/\d+\/messages$/, 100_000, 1, "user");
  discord.rateLimitNext("POST", /^\/users\/@me\/channels$/, 100_000, 1, "user");
  const budget = new InvalidRequestBudget(BUDGET);
  const deliverer = createDiscordDeliverer(services, { token: ctx.secrets.DISCORD_TOKEN, supportChannelId: DISCORD.supportChannelId, api: discord.apiUrl, budget });
  let paused = 0;
  const counting = {
    async deliver(message: Parameters<typeof deliverer.deliver>[0]) {
      const outcome = await deliverer.deliver(message);
      if (outcome.status === "retry" && outcome.error.startsWith("paused")) paused += 1;
      return outcome;
    },
  };
  const storm = setTimeout(() => {
    // The storm ends (the stand-in's rules are its own; emptied here).
    (discord as unknown as { rateLimits: unknown[] }).rateLimits.length = 0;
  }, STORM_MS);
  const left = await drain(services, { discord: counting }, "discord", STORM_MS + 100_000);
  clearTimeout(storm);

  const invalid = discord.calls.filter((c) => c.status === 429 || c.status === 401 || c.status === 403).map((c) => ({ at: c.at, shared: c.status === 429 && isShared(discord, c) }));
  const counted = invalid.filter((c) => !c.shared).map((c) => c.at).sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < counted.length; i++) {
    while (counted[i] - counted[j] >= BUDGET.windowMs) j++;
    peak = Math.max(peak, i - j + 1);
  }
  const counts = new Map<number, number>();
  for (const m of discord.messages.values()) {
    const n = Number(/Storm message (\d+)/.exec(`${m.content} ${JSON.stringify(m.embeds)}`)?.[1] ?? -1);
    if (n >= 0) counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  const lost = DISCORD_MESSAGES - counts.size;
  const twice = [...counts.values()].filter((c) => c > 1).length;
  const dead = await services.prisma.outboxMessage.count({ where: { platform: "discord", status: "dead" } });
  // The budget may be passed by the calls of the one message in flight when it fills (a DM is two calls).
  const allowed = BUDGET.pauseAt + 2;
  ctx.results.add(
    section,
    `Discord 429 storm of ${STORM_MS / 1000} s (every message post and DM opening answered 429; the first ${SHARED} of the shared scope), ${DISCORD_MESSAGES} messages through the production deliverer; invalid-request budget ${BUDGET.pauseAt} per ${BUDGET.windowMs / 1000} s`,
    `${invalid.length} 429s reached the bot (${counted.length} invalid; discord.js holds back calls to a bucket it knows is empty); peak ${peak} invalid in any ${BUDGET.windowMs / 1000} s window (≤ ${allowed}); ${paused} deliveries paused by the budget; delivered ${counts.size}/${DISCORD_MESSAGES}, ${lost} lost, ${twice} twice, ${dead} dead, ${left} left; ${seconds(Date.now() - started)}`,
    peak <= allowed && lost === 0 && twice === 0 && dead === 0 && left === 0,
  );
}

/**
 * What the invalid-request budget is for: answers discord.js does not slow down by itself. Many
 * customers have closed their DMs (each DM answers 403, code 50007): the budget must stop the
 * calls at its threshold; each blocked DM still ends as a note in the support channel.
 */
async function discordBlockedDms(ctx: RunContext, services: Services, discord: DiscordStandIn, section: string): Promise<void> {
  const started = Date.now();
  const before = discord.calls.length;
  const users = Array.from({ length: BLOCKED_DMS }, (_, i) => `15${String(i).padStart(16, "0")}`);
  for (const user of users) discord.blockDms(user);
  await services.prisma.outboxMessage.createMany({
    data: users.map((user, n) => ({
      dedupeKey: `blocked-dm:${n}`,
      platform: "discord",
      kind: "dm",
      recipient: { type: "user", workspaceId: "discord", userId: user },
      payload: { blocks: [{ type: "text", text: `Blocked DM ${n}` }], summary: `Blocked DM ${n}`, private: true },
    })),
  });
  const budget = new InvalidRequestBudget(BUDGET);
  const deliverer = createDiscordDeliverer(services, { token: ctx.secrets.DISCORD_TOKEN, supportChannelId: DISCORD.supportChannelId, api: discord.apiUrl, budget });
  let paused = 0;
  const counting = {
    async deliver(message: Parameters<typeof deliverer.deliver>[0]) {
      const outcome = await deliverer.deliver(message);
      if (outcome.status === "retry" && outcome.error.startsWith("paused")) paused += 1;
      return outcome;
    },
  };
  const left = await drain(services, { discord: counting }, "discord", 90_000);
  const forbidden = discord.calls.slice(before).filter((c) => c.status === 403 || c.status === 401 || (c.status === 429 && !isShared(discord, c))).map((c) => c.at).sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < forbidden.length; i++) {
    while (forbidden[i] - forbidden[j] >= BUDGET.windowMs) j++;
    peak = Math.max(peak, i - j + 1);
  }
  const notes = new Set([...discord.messages.values()].flatMap((m) => /Blocked DM (\d+)/.exec(`${m.content} ${JSON.stringify(m.embeds)}`)?.[1] ?? []));
  const dead = await services.prisma.outboxMessage.count({ where: { dedupeKey: { startsWith: "blocked-dm:" }, status: "dead", lastError: { not: { contains: "50007" } } } });
  const allowed = BUDGET.pauseAt + 1;
  ctx.results.add(
    section,
    `Discord invalid-request budget (${BUDGET.pauseAt} per ${BUDGET.windowMs / 1000} s here; Discord bans at 10,000 per 10 min): ${BLOCKED_DMS} DMs to customers who closed their DMs (403 each)`,
    `${forbidden.length} invalid answers, peak ${peak} in any ${BUDGET.windowMs / 1000} s window (≤ ${allowed}); ${paused} deliveries paused by the budget; ${notes.size}/${BLOCKED_DMS} passed on to the support channel, ${dead} lost, ${left} left; ${seconds(Date.now() - started)}`,
    peak <= allowed && paused > 0 && notes.size === BLOCKED_DMS && dead === 0 && left === 0,
  );
}

/**
 * A revoked token: the first call answers 401, and discord.js then drops its token, so every later
 * call fails at once without reaching Discord. The deliverer means to wait for the operator ("a
 * bad token is an operator's fix away: wait, do not drop"); time compressed (the messages kept
 * due, as half an hour of retries would), then the token is fixed: nothing may have been lost.
 */
async function discordRevokedToken(ctx: RunContext, services: Services, discord: DiscordStandIn, section: string): Promise<void> {
  const started = Date.now();
  await services.prisma.outboxMessage.createMany({
    data: Array.from({ length: FLOOD_MESSAGES }, (_, n) => ({
      dedupeKey: `revoked:${n}`,
      platform: "discord",
      kind: "support_note",
      recipient: { type: "support_channel" },
      payload: { blocks: [{ type: "text", text: `Revoked-token message ${n}` }], summary: `Revoked-token message ${n}`, private: false },
    })),
  });
  const revoked = createDiscordDeliverer(services, { token: "revoked-token-0000000000", supportChannelId: DISCORD.supportChannelId, api: discord.apiUrl, budget: new InvalidRequestBudget(BUDGET) });
  for (let round = 0; round < 14; round++) {
    await services.prisma.outboxMessage.updateMany({ where: { dedupeKey: { startsWith: "revoked:" }, status: "pending" }, data: { nextAttemptAt: new Date(0) } });
    await deliverDue({ prisma: services.prisma, deliverers: { discord: revoked }, render: outboxRenderer(services), batchSize: 100 });
  }
  const lastError = (await services.prisma.outboxMessage.findFirst({ where: { dedupeKey: { startsWith: "revoked:" } } }))?.lastError ?? "";
  await services.prisma.outboxMessage.updateMany({ where: { dedupeKey: { startsWith: "revoked:" }, status: "pending" }, data: { nextAttemptAt: new Date(0) } });
  const fixed = createDiscordDeliverer(services, { token: ctx.secrets.DISCORD_TOKEN, supportChannelId: DISCORD.supportChannelId, api: discord.apiUrl, budget: new InvalidRequestBudget(BUDGET) });
  const left = await drain(services, { discord: fixed }, "discord", 30_000);
  const delivered = new Set([...discord.messages.values()].flatMap((m) => /Revoked-token message (\d+)/.exec(m.content)?.[1] ?? []));
  const dead = await services.prisma.outboxMessage.count({ where: { dedupeKey: { startsWith: "revoked:" }, status: "dead" } });
  ctx.results.add(
    section,
    `Discord token revoked while ${FLOOD_MESSAGES} messages wait (14 delivery rounds, time compressed), then fixed`,
    `${delivered.size}/${FLOOD_MESSAGES} delivered once the token is fixed, ${dead} dead, ${left} left; ${seconds(Date.now() - started)}`,
    delivered.size === FLOOD_MESSAGES && dead === 0,
  );
  if (dead) {
    ctx.results.finding(
      "A revoked Discord token loses every message queued meanwhile",
      `After the first 401, discord.js drops its token; each later delivery fails at once with "${lastError.slice(0, 120)}", which the deliverer turns into a plain retry (not the 60 s wait it gives a 401), so each round burns an attempt: after MAX_ATTEMPTS (12, about 18 minutes of backoff) the messages are "dead", and stay unsent when the token is fixed (${dead} of ${FLOOD_MESSAGES}). Reproduce (time compressed): queue messages, deliver with a deliverer built with a wrong token 13 times with nextAttemptAt set to now → status dead. The deliverer's own comment says a bad token should "wait, do not drop".`,
    );
  }
}

function isShared(discord: DiscordStandIn, call: { at: number }): boolean {
  // The stand-in serves its rules in order: the shared-scope 429s were the first message posts limited.
  const limited = discord.calls.filter((c) => c.status === 429 && /^\/channels\/\d+\/messages$/.test(c.path));
  const index = limited.findIndex((c) => c === call);
  return index >= 0 && index < SHARED;
}

/**
 * A long storm, time compressed: one message per platform refused with 429 twenty times in a row.
 * Each retry is made due at once (as the backoff's 18 minutes of waiting would). A 429 says "later",
 * never "no": the message must still be delivered when the storm ends.
 */
async function longStorm(ctx: RunContext, services: Services, slack: SlackStandIn, discord: DiscordStandIn, section: string): Promise<void> {
  const results: string[] = [];
  let lostAny = false;
  for (const platform of ["slack", "discord"] as const) {
    const key = `long-storm:${platform}`;
    await services.prisma.outboxMessage.create({
      data: {
        dedupeKey: key,
        platform,
        kind: "support_note",
        recipient: { type: "support_channel" },
        payload: { blocks: [{ type: "text", text: `Long storm ${platform}` }], summary: `Long storm ${platform}`, private: false },
      },
    });
    if (platform === "slack") slack.rateLimit("chat.postMessage", 20, 1);
    else discord.rateLimitNext("POST", /^\/channels\/\d+\/messages$/, 20, 1, "shared");
    const slackDelivery = platform === "slack" ? slackDelivererFromEnv(services) : undefined;
    const deliverers: Deliverers =
      platform === "slack"
        ? { slack: slackDelivery!.deliverer }
        : { discord: createDiscordDeliverer(services, { token: ctx.secrets.DISCORD_TOKEN, supportChannelId: DISCORD.supportChannelId, api: discord.apiUrl, budget: new InvalidRequestBudget() }) };
    // Time is compressed only where the outbox waits (its backoff): a wait the platform asked for
    // (Retry-After, at most a couple of seconds here) is waited for real, because discord.js keeps
    // its own clock of a limited bucket and refuses locally until it has passed. Bounded: 60 rounds.
    let attempts = 0;
    for (; attempts < 60; attempts++) {
      const row = await services.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: key } });
      if (row.status !== "pending") break;
      const asked = row.nextAttemptAt.getTime() - Date.now();
      if (asked > 0 && asked <= 2_500) await new Promise((r) => setTimeout(r, asked));
      await services.prisma.outboxMessage.update({ where: { dedupeKey: key }, data: { nextAttemptAt: new Date(Date.now() - 1000), lockedUntil: null } });
      await deliverDue({ prisma: services.prisma, deliverers, render: outboxRenderer(services) });
    }
    await slackDelivery?.stop();
    const row = await services.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: key } });
    const delivered = platform === "slack" ? slack.messages.some((m) => (m.text ?? "").includes(`Long storm ${platform}`)) : [...discord.messages.values()].some((m) => m.content.includes(`Long storm ${platform}`));
    results.push(`${platform}: ${row.status} after ${row.attempts} attempts${delivered ? ", delivered" : ", never delivered"}`);
    if (!delivered) {
      lostAny = true;
      ctx.results.finding(
        `A long 429 storm loses a ${platform === "slack" ? "Slack" : "Discord"} message`,
        `The outbox counts each 429 as a failed attempt; after MAX_ATTEMPTS (12) the message is marked "dead" and never sent, although the platform only said "later" (last error: ${row.lastError}). With the real backoff (1 s, 2 s, 4 s … 5 min) that is a storm of about 18 minutes. Reproduce (time compressed): insert one outbox row; make ${platform === "slack" ? 'the Slack stand-in answer 429 to the next 20 chat.postMessage (standIn.rateLimit("chat.postMessage", 20, 1))' : 'the Discord stand-in answer 429 to the next 20 message posts (rateLimitNext("POST", /messages$/, 20, 1, "shared"))'}; 13 times: set nextAttemptAt = now() and call deliverDue → status "dead". The README says a 429 "leaves the message in the outbox until Retry-After … loses nothing". A rate-limited (or budget-paused) retry should not count towards MAX_ATTEMPTS.`,
      );
    }
  }
  ctx.results.add(section, "…a long 429 storm (20 × 429 in a row on one message, time compressed), then the storm ends", results.join("; "), !lostAny);
}
