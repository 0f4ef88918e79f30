import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOptionChoice,
  type APIApplicationCommandSubcommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type RESTPutAPIApplicationCommandsJSONBody,
} from "discord.js";
import type { CommandDefinition, OptionSpec } from "../../core/command.ts";
import type { Registry } from "../../core/dispatch.ts";
import { hasKey, translate, type Locale } from "../../i18n.ts";
import type { Services } from "../../services.ts";
import { discordPlain } from "./markdown.ts";
import { takesOrderNumber } from "./orderNumbers.ts";
import { truncate } from "./render.ts";

/**
 * The commands as Discord registers them: /credits and /credits-admin, whose subcommands are the
 * registry's commands (see buildCommandBody). English is the default (Discord shows it for en-US
 * and any locale without a translation); zh-CN goes into the localization maps.
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
    if (locale && hasKey(locale, key)) localized[discordLocale] = truncate(discordPlain(translate(locale, key)), 100);
  }
  return { description: truncate(discordPlain(translate("en", key)), 100), description_localizations: localized };
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
  const localizedName = nameLocalizations(`discord.option_names.${command.name}.${spec.name}`);
  const base = {
    name: discordOptionName(spec.name),
    ...(localizedName ? { name_localizations: localizedName } : {}),
    ...description(spec.descriptionKey),
    required: spec.required,
  };
  if (spec.kind === "attachment") return { ...base, type: ApplicationCommandOptionType.Attachment };
  // Amounts arrive as text on purpose: Discord's NUMBER type is a double, and money is never a float.
  const text = { ...base, type: ApplicationCommandOptionType.String as const, max_length: 200 };
  if (takesOrderNumber(spec)) return { ...text, autocomplete: true };
  const choices = localizedChoices(spec, services);
  if (!choices.length) return text;
  // Discord takes at most 25 fixed choices; past that the same choices are offered as the user types.
  if (choices.length > LIMITS.choices) return { ...text, autocomplete: true };
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
      if (label && label !== c.label) name_localizations[code] = truncate(discordPlain(label), 100);
    }
    return { name: truncate(discordPlain(c.label), 100), value: c.value, ...(Object.keys(name_localizations).length ? { name_localizations } : {}) };
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

/** Discord's limits on one chat-input command (Application Commands reference). */
export const LIMITS = { subcommands: 25, options: 25, choices: 25, characters: 8000 } as const;

export interface CommandNames {
  /** The customers' command (DISCORD_COMMAND). */
  name: string;
  /** The support command (DISCORD_ADMIN_COMMAND). */
  adminName: string;
}

/**
 * Two chat-input commands, each with the registry's commands of one audience as subcommands:
 * /credits for customers, and /credits-admin for support, which only members an admin allows
 * ever see (default_member_permissions "0": Discord shows it to administrators alone until a
 * server admin grants it to the support roles under Server Settings → Integrations; nobody gets
 * it by holding some unrelated permission such as Manage Server). Seeing it is not the right to
 * run it: dispatch still checks the member's support roles on every command and click.
 */
export function buildCommandBody(registry: Registry, options: CommandNames & { services: Services }): RESTPutAPIApplicationCommandsJSONBody {
  const customer = registry.commands.filter((c) => c.audience === "customer");
  const support = registry.commands.filter((c) => c.audience === "support");
  const body: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [chatInput(options.name, "discord.command.description", customer, options.services)];
  if (support.length) {
    body.push({ ...chatInput(options.adminName, "discord.admin_command.description", support, options.services), default_member_permissions: "0" });
  }
  for (const command of body) assertWithinLimits(command);
  return body;
}

function chatInput(name: string, descriptionKey: string, commands: CommandDefinition[], services: Services): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    type: ApplicationCommandType.ChatInput,
    name,
    ...description(descriptionKey),
    // Installed to servers only, and usable only inside one: never in the bot's DMs or in group DMs.
    // Discord applies these to global commands (a guild command lives in its guild anyway).
    integration_types: [ApplicationIntegrationType.GuildInstall],
    contexts: [InteractionContextType.Guild],
    options: commands.map((c) => subcommand(c, services)),
  };
}

/** Refuses, naming what is over, a command Discord would answer with 400 Invalid Form Body. */
export function assertWithinLimits(command: RESTPostAPIChatInputApplicationCommandsJSONBody): void {
  const subcommands = command.options ?? [];
  if (subcommands.length > LIMITS.subcommands) throw new Error(`Discord allows ${LIMITS.subcommands} subcommands in /${command.name}; it has ${subcommands.length}`);
  for (const sub of subcommands) {
    const options = "options" in sub ? (sub.options ?? []) : [];
    if (options.length > LIMITS.options) throw new Error(`Discord allows ${LIMITS.options} options in /${command.name} ${sub.name}; it has ${options.length}`);
    for (const o of options) {
      const choices = "choices" in o ? (o.choices ?? []) : [];
      if (choices.length > LIMITS.choices) throw new Error(`Discord allows ${LIMITS.choices} choices in /${command.name} ${sub.name} ${o.name}; it has ${choices.length}`);
    }
  }
  const size = commandCharacters(command);
  if (size > LIMITS.characters) throw new Error(`Discord allows ${LIMITS.characters} characters of names, descriptions and choices in /${command.name}; it has ${size}`);
}

/**
 * What Discord counts against a command's 8,000 characters: every name, description and choice
 * name and value, the command's and all its options', each at its longest localization.
 */
export function commandCharacters(command: { name: string; description?: string; name_localizations?: Record<string, string | null> | null; description_localizations?: Record<string, string | null> | null; options?: unknown[]; choices?: unknown[]; value?: unknown }): number {
  const longest = (text: string | undefined, localized?: Record<string, string | null> | null) => Math.max(text?.length ?? 0, ...Object.values(localized ?? {}).map((v) => v?.length ?? 0));
  let total = longest(command.name, command.name_localizations) + longest(command.description, command.description_localizations);
  if (typeof command.value === "string") total += command.value.length;
  for (const nested of [...(command.options ?? []), ...(command.choices ?? [])]) total += commandCharacters(nested as Parameters<typeof commandCharacters>[0]);
  return total;
}
