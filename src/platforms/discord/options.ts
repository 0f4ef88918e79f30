import type { Env } from "../../config/env.ts";
import type { InvalidRequestBudget } from "./rest.ts";

export const DEFAULT_ADMIN_COMMAND = "credits-admin";

export interface DiscordBotOptions {
  token: string;
  applicationId: string;
  supportChannelId: string;
  supportRoles: readonly string[];
  commandName: string;
  /** The support command (DISCORD_ADMIN_COMMAND); "credits-admin" when absent. */
  adminCommandName?: string;
  /** The guilds served (DISCORD_GUILD_ID); empty or absent: any guild. Direct messages never are. */
  guildIds?: readonly string[];
  api?: string;
  /**
   * Work that finishes within this time is answered directly (so a form can open as a modal);
   * slower work is deferred first (0: always). Discord drops an interaction not answered within 3 s.
   */
  deferAfterMs?: number;
  /** How long autocomplete may look for suggestions before answering none (Discord's deadline is 3 s). */
  autocompleteBudgetMs?: number;
  budget?: InvalidRequestBudget;
}

export function discordOptionsFromEnv(env: Env): DiscordBotOptions {
  if (!env.DISCORD_TOKEN || !env.DISCORD_APPLICATION_ID || !env.DISCORD_SUPPORT_CHANNEL) {
    throw new Error("DISCORD_TOKEN, DISCORD_APPLICATION_ID and DISCORD_SUPPORT_CHANNEL are required for Discord");
  }
  return {
    token: env.DISCORD_TOKEN,
    applicationId: env.DISCORD_APPLICATION_ID,
    supportChannelId: env.DISCORD_SUPPORT_CHANNEL,
    supportRoles: env.DISCORD_SUPPORT_ROLES,
    commandName: env.DISCORD_COMMAND,
    adminCommandName: env.DISCORD_ADMIN_COMMAND,
    guildIds: env.DISCORD_GUILD_ID,
    api: env.DISCORD_API_URL,
  };
}
