import type { PrismaClient } from "../../db/index.ts";
import { cardKeyOf, type Deliverer, type DeliveryOutcome, type OutboxMessageView } from "../../notify/outbox.ts";
import { renderMessage, type RenderOptions } from "./blockKit.ts";
import type { Logger } from "../../log.ts";
import { findPosted, outboxMetadata } from "./postedOnce.ts";
import { isRetryable, SlackCallError, type SlackApi } from "./webApi.ts";

/** Slack's errors for a token or an installation an operator has to put right (reinstall, new token, new scope). */
const OPERATOR_FIXES = new Set(["invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "missing_scope", "no_permission"]);

/**
 * Delivers the outbox's Slack messages: direct messages (conversations.open + chat.postMessage),
 * support cards in the support channel (their channel and ts are recorded by the outbox), card
 * edits in place (chat.update of the recorded card) and support notes (in the card's thread when
 * there is one). A 429 becomes `retry` after Retry-After, so the outbox keeps the message.
 */
export interface SlackDelivererDeps {
  api: SlackApi;
  prisma: PrismaClient;
  supportChannel: string;
  render?: RenderOptions;
  log?: Logger;
}

export function createSlackDeliverer(deps: SlackDelivererDeps): Deliverer {
  const dmChannels = new Map<string, string>();

  async function dmChannelOf(userId: string): Promise<string> {
    const known = dmChannels.get(userId);
    if (known) return known;
    const opened = await deps.api.call<{ channel?: { id?: string } }>("conversations.open", { users: userId });
    const id = opened.channel?.id;
    if (!id) throw new SlackCallError("conversations.open", { kind: "platform", error: "no_channel_in_response" });
    dmChannels.set(userId, id);
    return id;
  }

  async function cardOf(cardKey: string | undefined) {
    if (!cardKey) return null;
    return deps.prisma.supportCard.findUnique({ where: { cardKey_platform: { cardKey, platform: "slack" } } });
  }

  /**
   * Posts a new message once. Each carries the outbox's dedupe key in its metadata; when an earlier
   * attempt may have reached Slack (a worker killed between Slack's answer and the settle, a
   * timeout), the conversation is searched for that key first, and a message found is the send.
   */
  async function postOnce(message: OutboxMessageView, args: Record<string, unknown>): Promise<{ channel: string; ts: string } | null> {
    const channel = args.channel as string;
    if (message.attempts > 1) {
      const earlier = await findPosted(deps.api, { channel, threadTs: args.thread_ts as string | undefined, dedupeKey: message.dedupeKey, since: message.createdAt }, deps.log);
      if (earlier) return { channel, ts: earlier };
    }
    const posted = await deps.api.call<{ channel?: string; ts?: string }>("chat.postMessage", {
      ...args,
      metadata: outboxMetadata(message.dedupeKey),
      unfurl_links: false,
    });
    return posted.ts ? { channel: posted.channel ?? channel, ts: posted.ts } : null;
  }

  async function deliver(message: OutboxMessageView): Promise<DeliveryOutcome> {
    const body = renderMessage(message.payload, deps.render);
    switch (message.kind) {
      case "dm": {
        if (message.recipient.type !== "user") return { status: "failed", error: `dm to a ${message.recipient.type} recipient` };
        const channel = await dmChannelOf(message.recipient.userId);
        await postOnce(message, { channel, ...body });
        return { status: "sent" };
      }
      case "support_card": {
        const posted = await postOnce(message, { channel: deps.supportChannel, ...body });
        if (!posted) return { status: "retry", error: "chat.postMessage returned no ts" };
        return { status: "sent", posted: { channelId: posted.channel, messageId: posted.ts } };
      }
      case "card_update": {
        const card = await cardOf(cardKeyOf(message));
        // The card itself may still be waiting in the outbox: edit it once it exists.
        if (!card) return { status: "retry", error: "the card is not posted yet" };
        await deps.api.call("chat.update", { channel: card.channelId, ts: card.messageId, ...body });
        return { status: "sent" };
      }
      case "support_note": {
        const card = await cardOf(cardKeyOf(message));
        const thread = card && card.channelId === deps.supportChannel ? { thread_ts: card.messageId } : {};
        await postOnce(message, { channel: deps.supportChannel, ...body, ...thread });
        return { status: "sent" };
      }
    }
    return { status: "failed", error: `unknown outbox kind ${String(message.kind)}` };
  }

  return {
    async deliver(message) {
      try {
        return await deliver(message);
      } catch (err) {
        if (!(err instanceof SlackCallError)) throw err;
        const failure = err.failure;
        if (failure.kind === "rate_limited") return { status: "retry", afterMs: failure.retryAfterMs, error: err.message, counts: false };
        // A revoked token or a missing scope is an operator's fix away: wait for it, do not drop.
        if (failure.kind === "platform" && OPERATOR_FIXES.has(failure.error)) return { status: "retry", afterMs: 60_000, error: err.message, counts: false };
        if (isRetryable(failure)) return { status: "retry", error: err.message };
        return { status: "failed", error: err.message };
      }
    },
  };
}
