import { ButtonStyle, MessageFlags, type ButtonInteraction, type Client } from "discord.js";
import { translator, type Translator } from "../../../i18n.ts";
import type { Invocation } from "../../../reply.ts";
import { callerOf } from "../caller.ts";
import { decodeCustomId } from "../customId.ts";
import { discordMarkdown } from "../markdown.ts";
import { renderButtons } from "../render.ts";
import { respond } from "../respond.ts";
import type { ListenerDeps } from "./deps.ts";
import { listen } from "./listen.ts";

/** Buttons carry their invocation in custom_id (see customId.ts); a click is one dispatch. */
export function register(client: Client, deps: ListenerDeps): void {
  listen(client, deps, "button", (i): i is ButtonInteraction => i.isButton(), onButton);
}

export async function onButton(interaction: ButtonInteraction, deps: ListenerDeps): Promise<void> {
  const caller = callerOf(interaction, deps.options.supportRoles);
  const t = translator(caller.locale);
  const decoded = decodeCustomId(interaction.customId);
  if (!decoded || decoded.kind === "cf") {
    await interaction.reply({ content: discordMarkdown(t("discord.stale_button")), flags: MessageFlags.Ephemeral });
    return;
  }
  const { kind, invocation } = decoded;
  if (kind === "cx") {
    await interaction.update({ content: discordMarkdown(t("discord.confirm.dismissed")), embeds: [], components: [] });
    return;
  }
  // Discord has no confirmation dialog: a second, private button stands in for it. Someone who
  // may not run the command gets the command's own refusal at once instead of a pointless prompt.
  const audience = deps.registry.find(invocation.command)?.audience;
  if (kind === "ck" && !(audience === "support" && !caller.isSupport)) {
    await interaction.reply({ ...confirmPrompt(t, interaction, invocation), flags: MessageFlags.Ephemeral });
    return;
  }
  await respond(interaction, caller, deps, () => deps.dispatch(caller, invocation.command, invocation.args), { replacePrompt: kind === "cy" });
}

function confirmPrompt(t: Translator, interaction: ButtonInteraction, invocation: Invocation) {
  const component = interaction.component as { label?: string | null; style?: number };
  const label = component.label ?? invocation.command;
  const details = Object.values(invocation.args).join(" · ");
  const danger = component.style === ButtonStyle.Danger;
  return {
    content: discordMarkdown(t("discord.confirm.prompt", { action: label, details })),
    components: renderButtons([
      { kind: "cy", invocation, label: t("discord.confirm.yes", { action: label }), style: danger ? "danger" : "primary" },
      { kind: "cx", invocation, label: t("discord.confirm.no"), style: "default" },
    ]),
  };
}
