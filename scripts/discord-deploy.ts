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
 * `npm run discord:deploy`: registers /credits (DISCORD_COMMAND) with the customer commands as
 * subcommands and /credits-admin (DISCORD_ADMIN_COMMAND) with the support commands, by a bulk
 * overwrite — commands removed from the registry disappear from Discord. It needs only what
 * registering needs: DISCORD_TOKEN, DISCORD_APPLICATION_ID and optionally DISCORD_GUILD_ID; the
 * support channel and roles are the running bot's business, not the deploy's.
 * DISCORD_GUILD_ID lists the guilds the bot serves: the command is registered in each of them
 * (guild commands appear at once); with none listed, globally. A global registration made before
 * guilds were listed is left alone unless `--clear-global` asks to remove it (another deployment of
 * the same application may rely on it); the bot refuses interactions from unlisted guilds either way.
 */
export interface DeployTarget {
  /** "global", or the guild id. */
  scope: string;
  route: string;
  registered: { id: string; name: string }[];
  /** The global commands were removed (`--clear-global`). */
  cleared?: boolean;
}

export interface DeployResult {
  body: RESTPutAPIApplicationCommandsJSONBody;
  targets: DeployTarget[];
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

export interface DeployOptions {
  /** With guilds listed, also overwrite the global commands with none. */
  clearGlobal?: boolean;
}

export async function deployDiscordCommands(env: Env, registry: Registry = defaultRegistry, options: DeployOptions = {}): Promise<DeployResult> {
  if (!env.DISCORD_TOKEN || !env.DISCORD_APPLICATION_ID) throw new Error("DISCORD_TOKEN and DISCORD_APPLICATION_ID are required to deploy commands");
  const body = buildCommandBody(registry, { name: env.DISCORD_COMMAND, adminName: env.DISCORD_ADMIN_COMMAND, services: deployServices(env) });
  const rest = new REST(restOptions(env.DISCORD_API_URL)).setToken(env.DISCORD_TOKEN);
  const applicationId = env.DISCORD_APPLICATION_ID;
  const scopes = env.DISCORD_GUILD_ID.length ? env.DISCORD_GUILD_ID : ["global"];
  const targets: DeployTarget[] = [];
  // One guild after the other: a failure names the guild it happened in, and what was done stays listed.
  for (const scope of scopes) {
    const route = scope === "global" ? Routes.applicationCommands(applicationId) : Routes.applicationGuildCommands(applicationId, scope);
    try {
      const registered = (await rest.put(route, { body })) as { id: string; name: string }[];
      targets.push({ scope, route, registered });
    } catch (err) {
      const done = targets.map((t) => t.scope).join(", ") || "none";
      throw new Error(`registering in ${scope === "global" ? "all guilds" : `guild ${scope}`} failed (done: ${done}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (options.clearGlobal && env.DISCORD_GUILD_ID.length) {
    const route = Routes.applicationCommands(applicationId);
    await rest.put(route, { body: [] });
    targets.push({ scope: "global", route, registered: [], cleared: true });
  }
  return { body, targets };
}

/** Variables the bot needs and registering does not: their absence does not stop a deploy. */
export const NOT_NEEDED_TO_DEPLOY = ["DISCORD_SUPPORT_CHANNEL", "DISCORD_SUPPORT_ROLES"] as const;

async function main(): Promise<void> {
  const env = loadEnv(process.env, { notNeeded: NOT_NEEDED_TO_DEPLOY });
  const clearGlobal = process.argv.slice(2).includes("--clear-global");
  if (clearGlobal && !env.DISCORD_GUILD_ID.length) throw new Error("--clear-global needs DISCORD_GUILD_ID: without guilds the commands are registered globally");
  const result = await deployDiscordCommands(env, defaultRegistry, { clearGlobal });
  for (const target of result.targets) {
    if (target.cleared) {
      console.log("Removed the global commands (they may take a few minutes to disappear)");
      continue;
    }
    const scope = target.scope === "global" ? "all guilds (global; may take a few minutes to appear)" : `guild ${target.scope}`;
    for (const command of result.body) {
      const subcommands = "options" in command ? (command.options ?? []).map((o) => o.name) : [];
      const hidden = command.default_member_permissions === "0" ? " (shown to administrators until a server admin allows the support roles)" : "";
      console.log(`Registered /${command.name} in ${scope}${hidden} with subcommands: ${subcommands.join(", ")}`);
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
