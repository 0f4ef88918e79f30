import { Events, MessageFlags, type Client, type Interaction } from "discord.js";
import { internalErrorReply } from "../../../core/internalError.ts";
import { resolveLocale } from "../../../i18n.ts";
import { decodeCustomId } from "../customId.ts";
import { placeOf, refuseOutside } from "../guilds.ts";
import { interactionBody, renderMessage } from "../render.ts";
import { isOurCommand, type ListenerDeps } from "./deps.ts";

export type InteractionKind = "command" | "button" | "modal" | "autocomplete";

/**
 * Registers the handler of one kind of interaction. An interaction from outside the served guilds
 * (a DM, or a guild DISCORD_GUILD_ID does not list) is refused before the handler runs. Whatever the
 * handler throws is answered here, the same way for every kind: the internal-error reply, with a
 * trace id, logged once.
 */
export function listen<T extends Interaction>(
  client: Client,
  deps: ListenerDeps,
  kind: InteractionKind,
  accepts: (interaction: Interaction) => interaction is T,
  handle: (interaction: T, deps: ListenerDeps) => Promise<void>,
): void {
  client.on(Events.InteractionCreate, (interaction) => {
    if (!accepts(interaction)) return;
    const place = placeOf(interaction, deps.options.guildIds);
    // The refusal names the command the user typed (support typed /credits-admin), or /credits for a click.
    const typed = interaction.isChatInputCommand() || interaction.isAutocomplete() ? interaction.commandName : undefined;
    const used = typed && isOurCommand(typed, deps.options) ? typed : deps.options.commandName;
    const work = place === "served" ? handle(interaction, deps) : refuseOutside(interaction, place, { commandName: used, log: deps.log });
    void work.catch((err: unknown) => answerInternalError(interaction, deps, kind, err));
  });
}

/**
 * Discord shows nothing when a handler fails, so the user is told privately that nothing was
 * changed, with the trace id to give support: a reply, or, when the interaction was already
 * answered, in place of our own "thinking…" message or as a follow-up. Autocomplete can only
 * answer with no suggestions.
 */
export async function answerInternalError(interaction: Interaction, deps: ListenerDeps, kind: InteractionKind, err: unknown): Promise<void> {
  const reply = internalErrorReply(deps.log, err, resolveLocale(interaction.locale), { interaction: kind, interactionId: interaction.id, command: commandOf(interaction) });
  try {
    if (interaction.isAutocomplete()) {
      if (!interaction.responded) await interaction.respond([]);
      return;
    }
    if (!interaction.isRepliable()) return;
    const body = interactionBody(await renderMessage(reply));
    if (interaction.deferred && !interaction.replied && interaction.ephemeral) await interaction.editReply(body);
    else if (interaction.deferred || interaction.replied) await interaction.followUp({ ...body, flags: MessageFlags.Ephemeral });
    else await interaction.reply({ ...body, flags: MessageFlags.Ephemeral });
  } catch (sendErr) {
    // The interaction is gone (expired, or answered in a way that takes no message); the error line is what is left.
    deps.log.debug({ error: sendErr instanceof Error ? sendErr.message : String(sendErr), interactionId: interaction.id }, "could not send the internal-error reply");
  }
}

function commandOf(interaction: Interaction): string | undefined {
  if (interaction.isChatInputCommand() || interaction.isAutocomplete()) return interaction.options.getSubcommand(false) ?? interaction.commandName;
  if (interaction.isButton() || interaction.isModalSubmit()) return decodeCustomId(interaction.customId)?.invocation.command;
  return undefined;
}
