import type { PrismaClient } from "../../db/index.ts";
import { cardKeyOf, type Deliverer, type DeliveryOutcome, type OutboxMessageView } from "../../notify/outbox.ts";
import { renderMessage, type RenderOptions } from "./blockKit.ts";
import { isRetryable, SlackCallError, type SlackApi } from "./webApi.ts";

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

  async function deliver(message: OutboxMessageView): Promise<DeliveryOutcome> {
    const body = renderMessage(message.payload, deps.render);
    switch (message.kind) {
      case "dm": {
        if (message.recipient.type !== "user") return { status: "failed", error: `dm to a ${message.recipient.type} recipient` };
        const channel = await dmChannelOf(message.recipient.userId);
        await deps.api.call("chat.postMessage", { channel, ...body, unfurl_links: false });
        return { status: "sent" };
      }
      case "support_card": {
        const posted = await deps.api.call<{ channel?: string; ts?: string }>("chat.postMessage", { channel: deps.supportChannel, ...body, unfurl_links: false });
        if (!posted.ts) return { status: "retry", error: "chat.postMessage returned no ts" };
        return { status: "sent", posted: { channelId: posted.channel ?? deps.supportChannel, messageId: posted.ts } };
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
        await deps.api.call("chat.postMessage", { channel: deps.supportChannel, ...body, ...thread, unfurl_links: false });
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
        if (failure.kind === "rate_limited") return { status: "retry", afterMs: failure.retryAfterMs, error: err.message };
        if (isRetryable(failure)) return { status: "retry", error: err.message };
        return { status: "failed", error: err.message };
      }
    },
  };
}
