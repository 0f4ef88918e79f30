import { createHash } from "node:crypto";
import { DiscordAPIError, HTTPError, RateLimitError, REST, Routes, type APIChannel, type APIMessage } from "discord.js";
import { code } from "../../core/markup.ts";
import { translate } from "../../i18n.ts";
import { cardKeyOf, type Deliverer, type DeliveryOutcome, type OutboxMessageView } from "../../notify/outbox.ts";
import { textReply, type Reply } from "../../reply.ts";
import type { Services } from "../../services.ts";
import { renderMessage, renderMessages, restBody, type RenderedMessage } from "./render.ts";
import { createDeliveryRest, InvalidRequestBudget } from "./rest.ts";

/** Discord's JSON error codes that decide what the outbox does next. */
export const DiscordErrorCode = {
  UnknownChannel: 10003,
  UnknownMessage: 10008,
  UnknownUser: 10013,
  MissingAccess: 50001,
  CannotSendToUser: 50007,
  MissingPermissions: 50013,
} as const;

export interface DiscordDelivererOptions {
  token: string;
  supportChannelId: string;
  api?: string;
  budget?: InvalidRequestBudget;
  /** Injected in tests; otherwise built from token and api. */
  rest?: REST;
}

/**
 * Delivers the outbox's Discord messages over REST: direct messages, support cards, card edits and
 * support notes. It turns every Discord answer into an outbox outcome; nothing here sleeps or
 * retries on its own.
 */
export function createDiscordDeliverer(services: Services, options: DiscordDelivererOptions): Deliverer & { budget: InvalidRequestBudget } {
  const budget = options.budget ?? new InvalidRequestBudget();
  const rest = options.rest ?? createDeliveryRest({ token: options.token, api: options.api, budget });
  const dmChannels = new Map<string, string>();

  /**
   * Creates a message once: the nonce is drawn from the outbox row's key, and with enforce_nonce
   * Discord answers a second create with the same nonce (an attempt after a worker died between
   * Discord's answer and the settle) with the message the first one made, for a few minutes.
   */
  async function post(channelId: string, message: RenderedMessage, nonceKey: string): Promise<APIMessage> {
    const { body, files } = restBody(message);
    return (await rest.post(Routes.channelMessages(channelId), { body: { ...body, nonce: outboxNonce(nonceKey), enforce_nonce: true }, files })) as APIMessage;
  }

  /** A support card is one message, edited in place later: always one classic message. */
  async function postCard(channelId: string, message: OutboxMessageView): Promise<APIMessage> {
    return post(channelId, await renderMessage(message.payload, services.files), message.dedupeKey);
  }

  /**
   * A direct message or a note: every message the reply takes (renderMessages), each with a nonce
   * of its own, so that an attempt after a partial send creates only what is missing.
   */
  async function postAll(channelId: string, message: OutboxMessageView): Promise<void> {
    const parts = await renderMessages(message.payload, services.files);
    for (const [index, part] of parts.entries()) await post(channelId, part, index === 0 ? message.dedupeKey : `${message.dedupeKey}#${index}`);
  }

  async function dmChannelOf(userId: string): Promise<string> {
    let channelId = dmChannels.get(userId);
    if (!channelId) {
      const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as APIChannel;
      channelId = channel.id;
      dmChannels.set(userId, channelId);
    }
    return channelId;
  }

  async function deliverOnce(message: OutboxMessageView): Promise<DeliveryOutcome> {
    const { recipient, payload } = message;
    switch (message.kind) {
      case "dm": {
        if (recipient.type !== "user") return { status: "failed", error: `dm needs a user recipient, got ${recipient.type}` };
        const channelId = await dmChannelOf(recipient.userId);
        await postAll(channelId, message);
        return { status: "sent" };
      }
      case "support_card": {
        const posted = await postCard(options.supportChannelId, message);
        return { status: "sent", posted: { channelId: posted.channel_id, messageId: posted.id } };
      }
      case "support_note":
        await postAll(options.supportChannelId, message);
        return { status: "sent" };
      case "card_update": {
        const cardKey = cardKeyOf(message);
        if (recipient.type !== "card" || !cardKey) return { status: "failed", error: `card_update needs a card recipient, got ${recipient.type}` };
        const card = await services.prisma.supportCard.findUnique({
          where: { cardKey_platform: { cardKey, platform: "discord" } },
        });
        // The card itself may still be waiting in the outbox: try again once it is posted.
        if (!card) return { status: "retry", afterMs: 2000, error: "support card not posted yet" };
        const { body, files } = restBody(await renderMessage(payload, services.files), { edit: true });
        await rest.patch(Routes.channelMessage(card.channelId, card.messageId), { body, files });
        return { status: "sent" };
      }
    }
    return { status: "failed", error: `unknown outbox kind ${String(message.kind)}` };
  }

  return {
    budget,
    async deliver(message) {
      const pausedFor = budget.pausedForMs();
      if (pausedFor > 0) {
        return { status: "retry", afterMs: pausedFor, error: `paused: ${budget.count()} invalid Discord requests in the last 10 minutes`, counts: false };
      }
      try {
        return await deliverOnce(message);
      } catch (err) {
        // After a 401, discord.js forgets the token and fails every later request locally, without
        // asking Discord; give it back, so that the next attempt asks again (a token put right on
        // Discord's side, or a 401 that was Discord's own mistake, then goes through).
        if (err instanceof DiscordAPIError && err.status === 401) rest.setToken(options.token);
        const outcome = outcomeOf(err, message, services);
        if (outcome.status !== "retry" || !(err instanceof RateLimitError)) {
          services.log.warn({ outbox: String(message.id), kind: message.kind, error: describe(err) }, "discord delivery error");
        }
        return outcome;
      }
    },
  };
}

/** Discord's nonce is at most 25 characters: the row's key, hashed (base64url of SHA-256, cut to 25). */
export function outboxNonce(dedupeKey: string): string {
  return createHash("sha256").update(dedupeKey).digest("base64url").slice(0, 25);
}

function describe(err: unknown): string {
  if (err instanceof DiscordAPIError) return `HTTP ${err.status} code ${err.code}: ${err.message}`;
  if (err instanceof RateLimitError) return `rate limited on ${err.route} for ${err.retryAfter} ms (scope ${err.scope})`;
  if (err instanceof HTTPError) return `HTTP ${err.status}`;
  return err instanceof Error ? err.message : String(err);
}

function outcomeOf(err: unknown, message: OutboxMessageView, services: Services): DeliveryOutcome {
  const error = describe(err);
  if (err instanceof RateLimitError) {
    return { status: "retry", afterMs: Math.max(err.retryAfter, err.timeToReset, 1), error, counts: false };
  }
  if (err instanceof DiscordAPIError) {
    if (message.kind === "dm" && err.code === DiscordErrorCode.CannotSendToUser) {
      return { status: "failed", error, fallback: dmBlockedNote(message, services) };
    }
    if (message.kind === "card_update" && err.code === DiscordErrorCode.UnknownMessage && message.recipient.type === "card") {
      // Someone deleted the card: post the updated card anew, which records its new location.
      return {
        status: "failed",
        error,
        fallback: {
          dedupeKey: `${message.dedupeKey}:repost`,
          platform: "discord",
          kind: "support_card",
          recipient: { type: "support_channel" },
          payload: message.payload,
          cardKey: cardKeyOf(message),
        },
      };
    }
    // A bad token or a missing channel permission is an operator's fix away: wait, do not drop.
    if (err.status === 401 || err.code === DiscordErrorCode.MissingAccess || err.code === DiscordErrorCode.MissingPermissions) {
      return { status: "retry", afterMs: 60_000, error, counts: false };
    }
    if (err.status === 429) return { status: "retry", afterMs: 5_000, error, counts: false };
    if (err.status >= 400 && err.status < 500) return { status: "failed", error };
    return { status: "retry", error };
  }
  return { status: "retry", error };
}

/** The customer closed their DMs: support hears of it, in the support channel, with the message. */
function dmBlockedNote(message: OutboxMessageView, services: Services) {
  const recipient = message.recipient.type === "user" ? message.recipient.userId : "?";
  const locale = services.env.DEFAULT_LOCALE;
  const summary = message.payload.summary ?? "";
  // The user's id as code, not a mention: reply text never mentions anyone (markdown.ts escapes `<@…>`).
  const text = translate(locale, "discord.dm_blocked", { user: code(recipient), summary });
  return {
    dedupeKey: `${message.dedupeKey}:dm-blocked`,
    platform: "discord" as const,
    kind: "support_note" as const,
    recipient: { type: "support_channel" as const },
    payload: textReply(text, { private: false }),
  };
}
