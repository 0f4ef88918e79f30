import type { Deliverer } from "../../notify/outbox.ts";
import type { Reply } from "../../reply.ts";

/**
 * Delivers outbox messages to the terminal: direct messages to the console's customers, and
 * the support channel's cards (the playground's support channel is the terminal too).
 */
export function consoleDeliverer(show: (heading: string, reply: Reply) => void): Deliverer {
  let cards = 0;
  return {
    async deliver(message) {
      const { recipient, payload } = message;
      if (message.kind === "dm" && recipient.type === "user") {
        show(`📩 Direct message to ${recipient.userId}`, payload);
        return { status: "sent" };
      }
      if (message.kind === "support_card") {
        cards += 1;
        show("🛎  [support channel] new card", payload);
        return { status: "sent", posted: { channelId: "support", messageId: `card-${cards}` } };
      }
      if (message.kind === "card_update") {
        show("🛎  [support channel] card updated", payload);
        return { status: "sent" };
      }
      show("🛎  [support channel] note", payload);
      return { status: "sent" };
    },
  };
}
