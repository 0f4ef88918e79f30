import type { Client } from "discord.js";
import { register as registerAutocomplete } from "./autocomplete.ts";
import { register as registerButtons } from "./buttons.ts";
import { register as registerCommands } from "./commands.ts";
import type { ListenerDeps } from "./deps.ts";
import { register as registerModals } from "./modals.ts";

export { listenerDeps, type ListenerDeps } from "./deps.ts";

/** Every kind of interaction the bot answers, each in its own file. */
export function registerListeners(client: Client, deps: ListenerDeps): void {
  registerCommands(client, deps);
  registerButtons(client, deps);
  registerModals(client, deps);
  registerAutocomplete(client, deps);
}
