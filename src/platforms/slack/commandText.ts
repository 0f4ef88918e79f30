import type { RawArgs, Registry } from "../../core/dispatch.ts";

/**
 * `/credits topup trc20 10` → command "topup", {method: "trc20", amount: "10"}: the first word
 * names the command, the next words fill its options in the order the command declares them,
 * and the last option takes the rest of the line (a note, a search). Files cannot be typed, so
 * attachment options are skipped. An empty line asks for help.
 */
export function parseCommandText(text: string, registry: Registry): { command: string; args: RawArgs } {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { command: "help", args: {} };
  const command = words[0].toLowerCase();
  const definition = registry.find(command);
  if (!definition) return { command, args: {} };
  const options = definition.options.filter((o) => o.kind !== "attachment");
  const rest = words.slice(1);
  const args: RawArgs = {};
  options.forEach((option, i) => {
    const value = i === options.length - 1 ? rest.slice(i).join(" ") : rest[i];
    if (value) args[option.name] = value;
  });
  return { command, args };
}
