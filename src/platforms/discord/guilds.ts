import { InteractionContextType, MessageFlags, type Interaction } from "discord.js";
import { resolveLocale, translator } from "../../i18n.ts";
import type { Logger } from "../../log.ts";
import { discordMarkdown } from "./markdown.ts";

/**
 * Where the bot answers: in a server (guild) only, and only in the configured ones when
 * DISCORD_GUILD_ID lists any. The command's `contexts` say the same to Discord (guild only), but
 * a client, a stale registration or an old button in a DM can still send an interaction from
 * elsewhere, so every interaction is checked here before anything is dispatched.
 */
export type Place = "served" | "direct_message" | "other_guild";

export function placeOf(interaction: Pick<Interaction, "guildId" | "context">, guildIds: readonly string[] = []): Place {
  const privateContext = interaction.context === InteractionContextType.BotDM || interaction.context === InteractionContextType.PrivateChannel;
  if (!interaction.guildId || privateContext) return "direct_message";
  if (guildIds.length > 0 && !guildIds.includes(interaction.guildId)) return "other_guild";
  return "served";
}

/** Tells the user, privately and in their language, that nothing runs here; runs nothing. */
export async function refuseOutside(interaction: Interaction, place: Exclude<Place, "served">, context: { commandName: string; log: Logger }): Promise<void> {
  context.log.info({ place, guildId: interaction.guildId, userId: interaction.user.id, interactionId: interaction.id }, "interaction refused outside the served guilds");
  if (interaction.isAutocomplete()) {
    await interaction.respond([]);
    return;
  }
  if (!interaction.isRepliable()) return;
  const t = translator(resolveLocale(interaction.locale));
  const command = `/${context.commandName}`;
  const content = place === "direct_message" ? t("discord.not_here.direct_message", { command }) : t("discord.not_here.other_guild", { command });
  await interaction.reply({ content: discordMarkdown(content), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}
