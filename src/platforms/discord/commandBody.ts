import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOptionChoice,
  type APIApplicationCommandSubcommandOption,
  type RESTPutAPIApplicationCommandsJSONBody,
} from "discord.js";
import type { CommandDefinition, OptionSpec } from "../../core/command.ts";
import type { Registry } from "../../core/dispatch.ts";
import { hasKey, translate, type Locale } from "../../i18n.ts";
import type { Services } from "../../services.ts";
import { truncate } from "./render.ts";

/**
 * The /credits command as Discord registers it: one chat-input command whose subcommands are the
 * registry's commands. English is the default (Discord shows it for en-US and any locale without
 * a translation); zh-CN goes into the localization maps.
 */

/** Our locales, keyed by the locale codes Discord uses in its localization maps. */
const DISCORD_LOCALES: Partial<Record<string, Locale>> = { "zh-CN": "zh-CN" };

/**
 * Discord option names must be lowercase (`txHash` is rejected), so camelCase names are sent in
 * snake_case and mapped back when an interaction arrives.
 */
export function discordOptionName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function optionNameFromDiscord(definition: CommandDefinition | undefined, name: string): string {
  return definition?.options.find((o) => discordOptionName(o.name) === name)?.name ?? name;
}

function description(key: string) {
  const localized: Record<string, string> = {};
  for (const [discordLocale, locale] of Object.entries(DISCORD_LOCALES)) {
    if (locale && hasKey(locale, key)) localized[discordLocale] = truncate(translate(locale, key), 100);
  }
  return { description: truncate(translate("en", key), 100), description_localizations: localized };
}

/** A localized name only where the locale files give one (discord.names.*); otherwise none. */
function nameLocalizations(key: string): Record<string, string> | undefined {
  const localized: Record<string, string> = {};
  for (const [discordLocale, locale] of Object.entries(DISCORD_LOCALES)) {
    if (locale && locale !== "en" && hasKey(locale, key)) localized[discordLocale] = translate(locale, key).toLowerCase();
  }
  return Object.keys(localized).length ? localized : undefined;
}

function option(command: CommandDefinition, spec: OptionSpec, services: Services): APIApplicationCommandBasicOption {
  const base = {
    name: discordOptionName(spec.name),
    ...(nameLocalizations(`discord.option_names.${command.name}.${spec.name}`) ? { name_localizations: nameLocalizations(`discord.option_names.${command.name}.${spec.name}`) } : {}),
    ...description(spec.descriptionKey),
    required: spec.required,
  };
  if (spec.kind === "attachment") return { ...base, type: ApplicationCommandOptionType.Attachment };
  // Amounts arrive as text on purpose: Discord's NUMBER type is a double, and money is never a float.
  const choices = localizedChoices(spec, services).slice(0, 25);
  if (!choices.length) return { ...base, type: ApplicationCommandOptionType.String, max_length: 200 };
  return { ...base, type: ApplicationCommandOptionType.String, choices };
}

/**
 * An option's fixed choices as Discord takes them, in the command body and in autocomplete
 * answers alike: the English label as the name, other locales' labels where they differ.
 */
export function localizedChoices(spec: OptionSpec, services: Services): APIApplicationCommandOptionChoice<string>[] {
  const choices = spec.choices?.(services, "en") ?? [];
  if (!choices.length) return [];
  const others = Object.entries(DISCORD_LOCALES).map(([code, locale]) => [code, new Map(spec.choices!(services, locale!).map((c) => [c.value, c.label]))] as const);
  return choices.map((c) => {
    const name_localizations: Record<string, string> = {};
    for (const [code, labels] of others) {
      const label = labels.get(c.value);
      if (label && label !== c.label) name_localizations[code] = truncate(label, 100);
    }
    return { name: truncate(c.label, 100), value: c.value, ...(Object.keys(name_localizations).length ? { name_localizations } : {}) };
  });
}

function subcommand(command: CommandDefinition, services: Services): APIApplicationCommandSubcommandOption {
  // Discord wants required options first; a stable sort keeps the registry's order otherwise.
  const options = [...command.options].sort((a, b) => Number(b.required) - Number(a.required));
  const names = nameLocalizations(`discord.names.${command.name}`);
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: command.name.toLowerCase(),
    ...(names ? { name_localizations: names } : {}),
    ...description(command.descriptionKey),
    options: options.map((o) => option(command, o, services)),
  };
}

export function buildCommandBody(registry: Registry, options: { name: string; services: Services }): RESTPutAPIApplicationCommandsJSONBody {
  if (registry.commands.length > 25) throw new Error(`Discord allows 25 subcommands; the registry has ${registry.commands.length}`);
  return [
    {
      type: ApplicationCommandType.ChatInput,
      name: options.name,
      ...description("discord.command.description"),
      // Installed to servers only, and usable only inside one: never in the bot's DMs or in group DMs.
      // Discord applies these to global commands (a guild command lives in its guild anyway).
      integration_types: [ApplicationIntegrationType.GuildInstall],
      contexts: [InteractionContextType.Guild],
      options: registry.commands.map((c) => subcommand(c, options.services)),
    },
  ];
}
