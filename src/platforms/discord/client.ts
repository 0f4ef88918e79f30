import { Client, Events, GatewayIntentBits } from "discord.js";
import type { Registry } from "../../core/dispatch.ts";
import type { Services } from "../../services.ts";
import { listenerDeps, registerListeners } from "./listeners/index.ts";
import { discordOptionsFromEnv, type DiscordBotOptions } from "./options.ts";
import { InvalidRequestBudget, restOptions } from "./rest.ts";

export { discordOptionsFromEnv, type DiscordBotOptions } from "./options.ts";
export { callerOf, DISCORD_WORKSPACE, hasSupportRole } from "./caller.ts";

export interface DiscordBot {
  client: Client;
  budget: InvalidRequestBudget;
  /** The options in force; `deferAfterMs` may be tuned while running. */
  options: DiscordBotOptions;
  /** Logs in and resolves once the client is ready (guilds received). */
  login(timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * The discord.js gateway client of the bot: one slash command whose subcommands are the registry's
 * commands, buttons and modals that carry their invocation in custom_id, autocomplete for options.
 * Each kind of interaction has its listener in listeners/; this only builds what they share.
 */
export function createDiscordBot(services: Services, registry: Registry, options: DiscordBotOptions = discordOptionsFromEnv(services.env)): DiscordBot {
  const budget = options.budget ?? new InvalidRequestBudget();
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    // No reply of the bot mentions anyone: whatever a text holds, nobody is pinged by it. Each
    // body sets this too; the default covers any answer that does not.
    allowedMentions: { parse: [], repliedUser: false },
    // An interaction token lives 15 minutes, so waiting out a short rate limit is right here;
    // a long one is better reported than silently waited on.
    rest: restOptions(options.api, { rejectOnRateLimit: (limit) => limit.retryAfter > 10_000 }),
  });
  budget.watch(client.rest);
  const log = services.log.child({ surface: "discord" });
  registerListeners(client, listenerDeps(services, registry, options, log));
  client.on(Events.Error, (err) => log.error({ error: err.message }, "discord client error"));

  return {
    client,
    budget,
    options,
    login: (timeoutMs) => loginAndWait(client, options.token, log, timeoutMs),
    async destroy() {
      await client.destroy();
    },
  };
}

async function loginAndWait(client: Client, token: string, log: Services["log"], timeoutMs = 30_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Discord client not ready after ${timeoutMs} ms`)), timeoutMs);
    client.once(Events.ClientReady, () => resolve());
  });
  ready.catch(() => undefined);
  try {
    await client.login(token);
    await ready;
  } finally {
    clearTimeout(timer);
  }
  log.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, "discord client ready");
}
