import type { APIApplicationCommandOptionChoice } from "discord.js";
import type { Caller, CommandDefinition, OptionSpec } from "../../core/command.ts";
import type { Services } from "../../services.ts";

/** The option being typed into, and by whom. */
export interface AutocompleteRequest {
  command: CommandDefinition;
  option: OptionSpec;
  /** What the user has typed so far. */
  typed: string;
  caller: Caller;
  services: Services;
}

/**
 * One way of suggesting values: it answers the options it knows (possibly with none) and returns
 * undefined for the others, which go to the next source.
 */
export type AutocompleteSource = (request: AutocompleteRequest) => Promise<APIApplicationCommandOptionChoice<string>[] | undefined> | APIApplicationCommandOptionChoice<string>[] | undefined;
