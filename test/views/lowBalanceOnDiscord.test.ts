import { describe, expect, it } from "vitest";
import type { QueuedMessage } from "../../src/notify/outbox.ts";
import { translate } from "../../src/i18n.ts";
import type { Services } from "../../src/services.ts";
import { outboxRenderer } from "../../src/views/outbox.ts";

/** Commands run in a Discord server, never in a direct message: the alert sent there offers no button that would be refused. */
describe("the low-balance message by platform", () => {
  const services = { env: { DEFAULT_LOCALE: "en" }, methods: { methods: [] } } as unknown as Services;
  const message = (platform: "slack" | "discord"): QueuedMessage => ({
    id: 1n,
    dedupeKey: "low-balance:x",
    platform,
    kind: "dm",
    recipient: { type: "user", workspaceId: "w", userId: "u" },
    payload: { view: "low_balance", locale: "zh-CN", balance: "3000000", threshold: "5000000", spent24h: "1000000" } as QueuedMessage["payload"],
    attempts: 1,
    createdAt: new Date(),
  });

  it("Slack gets the Top up button; Discord gets where to top up instead", async () => {
    const render = outboxRenderer(services);
    const slack = (await render(message("slack")))!;
    const discord = (await render(message("discord")))!;
    expect(slack.blocks.some((b) => b.type === "buttons")).toBe(true);
    expect(discord.blocks.some((b) => b.type === "buttons")).toBe(false);
    expect(JSON.stringify(discord.blocks)).toContain(translate("zh-CN", "low_balance.topup_in_server"));
  });
});
