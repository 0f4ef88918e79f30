import { ApplicationCommandOptionType, type ChatInputCommandInteraction, type Client } from "discord.js";
import { errorReply, type RawArgs } from "../../../core/dispatch.ts";
import { UserError } from "../../../errors.ts";
import { translator } from "../../../i18n.ts";
import { fileFromAttachment } from "../attachments.ts";
import { callerOf } from "../caller.ts";
import { optionNameFromDiscord } from "../commandBody.ts";
import { respond } from "../respond.ts";
import { isOurCommand, type ListenerDeps } from "./deps.ts";
import { listen } from "./listen.ts";

/** `/credits <subcommand> …` and `/credits-admin <subcommand> …`: the subcommand is the registry command, its options the arguments. */
export function register(client: Client, deps: ListenerDeps): void {
  listen(client, deps, "command", (i): i is ChatInputCommandInteraction => i.isChatInputCommand(), onCommand);
}

export async function onCommand(interaction: ChatInputCommandInteraction, deps: ListenerDeps): Promise<void> {
  const caller = callerOf(interaction, deps.options.supportRoles);
  const sub = interaction.options.getSubcommand(false) ?? "";
  await respond(interaction, caller, deps, async () => {
    if (!isOurCommand(interaction.commandName, deps.options)) {
      return errorReply(translator(caller.locale), new UserError("errors.unknown_command", { name: interaction.commandName.slice(0, 40) }));
    }
    return deps.dispatch(caller, sub, await argsOf(interaction, sub, deps));
  });
}

/** Option names back in the registry's spelling; attachments downloaded now, while their links are valid. */
async function argsOf(interaction: ChatInputCommandInteraction, sub: string, deps: ListenerDeps): Promise<RawArgs> {
  const definition = deps.registry.find(sub);
  const given = interaction.options.data.find((o) => o.type === ApplicationCommandOptionType.Subcommand)?.options ?? [];
  const args: RawArgs = {};
  for (const option of given) {
    const name = optionNameFromDiscord(definition, option.name);
    if (option.type === ApplicationCommandOptionType.Attachment && option.attachment) {
      args[name] = await fileFromAttachment(option.attachment, deps.services.env);
    } else if (option.value !== undefined && option.value !== null) {
      args[name] = String(option.value);
    }
  }
  return args;
}
