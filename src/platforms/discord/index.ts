import type { Registry } from "../../core/dispatch.ts";
import type { Deliverer } from "../../notify/outbox.ts";
import type { Services } from "../../services.ts";
import { createDiscordBot, discordOptionsFromEnv, type DiscordBot, type DiscordBotOptions } from "./client.ts";
import { createDiscordDeliverer } from "./deliverer.ts";
import { InvalidRequestBudget } from "./rest.ts";

export { createDiscordBot, discordOptionsFromEnv, type DiscordBot, type DiscordBotOptions } from "./client.ts";
export { createDiscordDeliverer } from "./deliverer.ts";
export { buildCommandBody } from "./commandBody.ts";
export { InvalidRequestBudget } from "./rest.ts";

export interface DiscordSurface {
  bot: DiscordBot;
  /** Register as `deliverers.discord` of the outbox worker. */
  deliverer: Deliverer;
  stop(): Promise<void>;
}

/**
 * Starts the Discord surface from the environment: the gateway client (resolves once it is
 * ready) and the outbox deliverer, sharing one invalid-request budget so a burst of 401/403/429
 * from either pauses deliveries.
 */
export async function startDiscord(services: Services, registry: Registry, overrides: Partial<DiscordBotOptions> = {}): Promise<DiscordSurface> {
  const options = { ...discordOptionsFromEnv(services.env), ...overrides };
  const budget = options.budget ?? new InvalidRequestBudget();
  const bot = createDiscordBot(services, registry, { ...options, budget });
  const deliverer = createDiscordDeliverer(services, { token: options.token, supportChannelId: options.supportChannelId, api: options.api, budget });
  try {
    await bot.login();
  } catch (err) {
    await bot.destroy().catch(() => undefined);
    throw err;
  }
  return { bot, deliverer, stop: () => bot.destroy() };
}

/**
 * The deliverer alone, for a worker that runs the outbox without the gateway client. In a process
 * that also runs startDiscord, pass `surface.bot.budget` so both count against one budget.
 */
export function discordDelivererFromEnv(services: Services, budget?: InvalidRequestBudget): { deliverer: Deliverer; stop(): Promise<void> } {
  const env = services.env;
  if (!env.DISCORD_TOKEN || !env.DISCORD_SUPPORT_CHANNEL) throw new Error("DISCORD_TOKEN and DISCORD_SUPPORT_CHANNEL are required to deliver to Discord");
  const deliverer = createDiscordDeliverer(services, { token: env.DISCORD_TOKEN, supportChannelId: env.DISCORD_SUPPORT_CHANNEL, api: env.DISCORD_API_URL, budget });
  return { deliverer, stop: async () => undefined };
}
