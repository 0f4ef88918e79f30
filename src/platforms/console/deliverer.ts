import type { Deliverer } from "../../notify/outbox.ts";
import type { Reply } from "../../reply.ts";

/** What a delivered message is, for the heading the console prints above it (in the session's language). */
export type ConsoleHeading = { kind: "dm"; userId: string } | { kind: "support_card" | "card_update" | "note" };

/**
 * Delivers outbox messages to the terminal: direct messages to the console's customers, and
 * the support channel's cards (the playground's support channel is the terminal too).
 */
export function consoleDeliverer(show: (heading: ConsoleHeading, reply: Reply) => void): Deliverer {
  let cards = 0;
  return {
    async deliver(message) {
      const { recipient, payload } = message;
      if (message.kind === "dm" && recipient.type === "user") {
        show({ kind: "dm", userId: recipient.userId }, payload);
        return { status: "sent" };
      }
      if (message.kind === "support_card") {
        cards += 1;
        show({ kind: "support_card" }, payload);
        return { status: "sent", posted: { channelId: "support", messageId: `card-${cards}` } };
      }
      if (message.kind === "card_update") {
        show({ kind: "card_update" }, payload);
        return { status: "sent" };
      }
      show({ kind: "note" }, payload);
      return { status: "sent" };
    },
  };
}
