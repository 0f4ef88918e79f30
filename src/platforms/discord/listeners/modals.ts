import { ComponentType, MessageFlags, type Attachment, type Client, type ModalSubmitInteraction } from "discord.js";
import type { RawArgs } from "../../../core/dispatch.ts";
import { translator } from "../../../i18n.ts";
import { fileFromAttachment } from "../attachments.ts";
import { callerOf } from "../caller.ts";
import { decodeCustomId } from "../customId.ts";
import { discordMarkdown } from "../markdown.ts";
import { respond } from "../respond.ts";
import type { ListenerDeps } from "./deps.ts";
import { listen } from "./listen.ts";

/** A submitted form: its custom_id is the invocation (`cf:…`), its fields join the arguments. */
export function register(client: Client, deps: ListenerDeps): void {
  listen(client, deps, "modal", (i): i is ModalSubmitInteraction => i.isModalSubmit(), onModal);
}

export async function onModal(interaction: ModalSubmitInteraction, deps: ListenerDeps): Promise<void> {
  const caller = callerOf(interaction, deps.options.supportRoles);
  const decoded = decodeCustomId(interaction.customId);
  if (!decoded || decoded.kind !== "cf") {
    await interaction.reply({ content: discordMarkdown(translator(caller.locale)("discord.stale_button")), flags: MessageFlags.Ephemeral });
    return;
  }
  const { invocation } = decoded;
  await respond(
    interaction,
    caller,
    deps,
    async () => deps.dispatch(caller, invocation.command, { ...invocation.args, ...(await fieldValues(interaction, deps)) }),
    { formInvocation: invocation },
  );
}

/** Text inputs, the first value of a select, the first file of an upload (downloaded now). */
async function fieldValues(interaction: ModalSubmitInteraction, deps: ListenerDeps): Promise<RawArgs> {
  const values: RawArgs = {};
  for (const field of interaction.fields.fields.values()) {
    const data = field as { type: ComponentType; customId: string; value?: string; values?: string[]; attachments?: Map<string, Attachment> };
    if (data.type === ComponentType.TextInput && data.value) values[data.customId] = data.value;
    else if (data.type === ComponentType.StringSelect && data.values?.length) values[data.customId] = data.values[0];
    else if (data.type === ComponentType.FileUpload) {
      const first = data.attachments ? [...data.attachments.values()][0] : undefined;
      if (first) values[data.customId] = await fileFromAttachment(first, deps.services.env);
    }
  }
  return values;
}
