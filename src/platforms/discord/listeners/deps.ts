import type { Caller } from "../../../core/command.ts";
import { dispatch, type RawArgs, type Registry } from "../../../core/dispatch.ts";
import type { Logger } from "../../../log.ts";
import type { Reply } from "../../../reply.ts";
import type { Services } from "../../../services.ts";
import { DEFAULT_ADMIN_COMMAND, type DiscordBotOptions } from "../options.ts";

/** What every listener is given: nothing it could not be handed in a unit test. */
export interface ListenerDeps {
  services: Services;
  registry: Registry;
  /** The bot's own options object, read on every interaction, so `deferAfterMs` may be tuned while running. */
  options: Pick<DiscordBotOptions, "supportRoles" | "commandName" | "adminCommandName" | "deferAfterMs" | "guildIds" | "autocompleteBudgetMs">;
  log: Logger;
  /** Runs one command of the registry for one caller; the listeners never decide anything themselves. */
  dispatch(caller: Caller, command: string, args: RawArgs): Promise<Reply>;
}

export function listenerDeps(services: Services, registry: Registry, options: ListenerDeps["options"], log: Logger): ListenerDeps {
  return {
    services,
    registry,
    options,
    log,
    dispatch: (caller, command, args) => dispatch(registry, services, caller, command, args),
  };
}

/**
 * Whether an interaction is for one of our two chat-input commands. Which of the two does not
 * decide anything: a subcommand is the registry command of that name, and dispatch checks rights.
 */
export function isOurCommand(name: string, options: Pick<DiscordBotOptions, "commandName" | "adminCommandName">): boolean {
  return name === options.commandName || name === (options.adminCommandName ?? DEFAULT_ADMIN_COMMAND);
}
