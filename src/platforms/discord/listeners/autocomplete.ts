import type { APIApplicationCommandOptionChoice, ApplicationCommandOptionChoiceData, AutocompleteInteraction, Client } from "discord.js";
import { callerOf } from "../caller.ts";
import { discordOptionName, localizedChoices } from "../commandBody.ts";
import type { AutocompleteRequest, AutocompleteSource } from "../autocompleteSource.ts";
import { orderNumbers } from "../orderNumbers.ts";
import { isOurCommand, type ListenerDeps } from "./deps.ts";
import { listen } from "./listen.ts";

/** Discord shows at most 25 suggestions. */
export const AUTOCOMPLETE_MAX = 25;

export type { AutocompleteRequest, AutocompleteSource };

/** Options that declare fixed choices offer those whose label (in any locale) or value contains what was typed. */
export const declaredChoices: AutocompleteSource = ({ option, typed, services }) => {
  if (!option.choices) return undefined;
  const needle = typed.trim().toLowerCase();
  return localizedChoices(option, services).filter((choice) =>
    [choice.value, choice.name, ...Object.values(choice.name_localizations ?? {})].some((text) => text?.toLowerCase().includes(needle)),
  );
};

export const AUTOCOMPLETE_SOURCES: readonly AutocompleteSource[] = [orderNumbers, declaredChoices];

/**
 * Discord drops an autocomplete answer later than 3 s after the interaction; suggestions not found
 * by then are worth less than an answer (the user keeps typing, and asks again).
 */
export const AUTOCOMPLETE_BUDGET_MS = 2000;

export function register(client: Client, deps: ListenerDeps, sources: readonly AutocompleteSource[] = AUTOCOMPLETE_SOURCES): void {
  listen(client, deps, "autocomplete", (i): i is AutocompleteInteraction => i.isAutocomplete(), (interaction, d) => onAutocomplete(interaction, d, sources));
}

export async function onAutocomplete(interaction: AutocompleteInteraction, deps: ListenerDeps, sources: readonly AutocompleteSource[] = AUTOCOMPLETE_SOURCES): Promise<void> {
  const request = requestOf(interaction, deps);
  const choices = request ? await withinBudget(suggest(request, sources), deps, request) : [];
  await interaction.respond(choices.slice(0, AUTOCOMPLETE_MAX).map(toDiscordJs));
}

async function withinBudget(pending: Promise<APIApplicationCommandOptionChoice<string>[]>, deps: ListenerDeps, request: AutocompleteRequest): Promise<APIApplicationCommandOptionChoice<string>[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), deps.options.autocompleteBudgetMs ?? AUTOCOMPLETE_BUDGET_MS)));
  try {
    const found = await Promise.race([pending, late]);
    if (found) return found;
    deps.log.warn({ command: request.command.name, option: request.option.name }, "autocomplete answered empty: suggestions not found in time");
    // Still settled later; a failure then has nobody to tell.
    pending.catch(() => undefined);
    return [];
  } finally {
    clearTimeout(timer);
  }
}

async function suggest(request: AutocompleteRequest, sources: readonly AutocompleteSource[]): Promise<APIApplicationCommandOptionChoice<string>[]> {
  for (const source of sources) {
    const found = await source(request);
    if (found) return found;
  }
  return [];
}

/** The registry's command and option being typed into; null for anything we did not register. */
function requestOf(interaction: AutocompleteInteraction, deps: ListenerDeps): AutocompleteRequest | null {
  if (!isOurCommand(interaction.commandName, deps.options)) return null;
  const command = deps.registry.find(interaction.options.getSubcommand(false) ?? "");
  const focused = interaction.options.getFocused(true);
  const option = command?.options.find((o) => discordOptionName(o.name) === focused.name);
  if (!command || !option) return null;
  return { command, option, typed: String(focused.value ?? ""), caller: callerOf(interaction, deps.options.supportRoles), services: deps.services };
}

function toDiscordJs(choice: APIApplicationCommandOptionChoice<string>): ApplicationCommandOptionChoiceData<string> {
  return { name: choice.name, value: choice.value, ...(choice.name_localizations ? { nameLocalizations: choice.name_localizations } : {}) };
}
