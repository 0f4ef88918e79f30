import { pathToFileURL } from "node:url";
import { REST, Routes, type RESTPutAPIApplicationCommandsJSONBody } from "discord.js";
import { registry as defaultRegistry } from "../commands/index.ts";
import { loadEnv, type Env } from "../src/config/env.ts";
import type { Registry } from "../src/core/dispatch.ts";
import { buildCommandBody } from "../src/platforms/discord/commandBody.ts";
import { restOptions } from "../src/platforms/discord/rest.ts";
import type { Services } from "../src/services.ts";
import { loadMethods } from "../src/methods/paymentMethods.ts";

/**
 * `npm run discord:deploy`: registers /credits (DISCORD_COMMAND) with every registry command as a
 * subcommand, by a bulk overwrite — commands removed from the registry disappear from Discord.
 * With DISCORD_GUILD_ID the command is registered in that guild only (instant, for development);
 * without it, globally.
 */
export interface DeployResult {
  route: string;
  body: RESTPutAPIApplicationCommandsJSONBody;
  registered: { id: string; name: string }[];
}

/**
 * Option choices (the payment methods) come from configuration, so the body needs the methods;
 * deploying needs no database, and a choice that reached for one would fail here loudly.
 */
function deployServices(env: Env): Services {
  const known = { env, methods: loadMethods(env.PAYMENT_METHODS_FILE) } as Partial<Services>;
  return new Proxy(known as Services, {
    get(target, property) {
      if (property in target) return target[property as keyof Services];
      throw new Error(`command choices may use only env and methods at deploy time, not ${String(property)}`);
    },
  });
}

export async function deployDiscordCommands(env: Env, registry: Registry = defaultRegistry): Promise<DeployResult> {
  if (!env.DISCORD_TOKEN || !env.DISCORD_APPLICATION_ID) throw new Error("DISCORD_TOKEN and DISCORD_APPLICATION_ID are required to deploy commands");
  const body = buildCommandBody(registry, { name: env.DISCORD_COMMAND, services: deployServices(env) });
  const rest = new REST(restOptions(env.DISCORD_API_URL)).setToken(env.DISCORD_TOKEN);
  const route = env.DISCORD_GUILD_ID
    ? Routes.applicationGuildCommands(env.DISCORD_APPLICATION_ID, env.DISCORD_GUILD_ID)
    : Routes.applicationCommands(env.DISCORD_APPLICATION_ID);
  const registered = (await rest.put(route, { body })) as { id: string; name: string }[];
  return { route, body, registered };
}

async function main(): Promise<void> {
  const env = loadEnv();
  const result = await deployDiscordCommands(env);
  const subcommands = result.body[0] && "options" in result.body[0] ? (result.body[0].options ?? []).map((o) => o.name) : [];
  const scope = env.DISCORD_GUILD_ID ? `guild ${env.DISCORD_GUILD_ID}` : "all guilds (global; may take a few minutes to appear)";
  console.log(`Registered /${env.DISCORD_COMMAND} in ${scope} with subcommands: ${subcommands.join(", ")}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
