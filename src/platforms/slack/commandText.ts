import type { RawArgs, Registry } from "../../core/dispatch.ts";

/**
 * `/credits topup trc20 10` → command "topup", {method: "trc20", amount: "10"}: the first word
 * names the command, the next words fill its options in the order the command declares them,
 * and the last option takes the rest of the line (a note, a search). Files cannot be typed, so
 * attachment options are skipped. An empty line asks for help.
 *
 * The manifest sets `should_escape: true`, so Slack sends what was typed in its escaped form
 * (docs.slack.dev "Formatting text for app surfaces"): `@alice` arrives as `<@U123|alice>`, a
 * channel as `<#C123|general>`, a link as `<https://…|label>`, an address as
 * `<mailto:a@b.c|a@b.c>`, and &, <, > as entities. `unescapeSlackText` turns that back into
 * words the commands read, before the line is split.
 */
export function parseCommandText(text: string, registry: Registry): { command: string; args: RawArgs } {
  const words = unescapeSlackText(text).trim().split(/\s+/).filter(Boolean);
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

/** Slack's escaped entities: `<@U…>`, `<#C…>`, `<!here>`, `<!subteam^S…>`, `<mailto:…>`, `<https://…>`, each with an optional `|label`. */
const ENTITY = /<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>/g;

/**
 * Typed text as the user meant it. A user mention stays `<@U123|alice>`, one word that
 * findAccount reads by its id (not by a display name that may be ambiguous or renamed);
 * a channel `#name`; a special mention `@here`; a link or address the text the user typed (the
 * label; Slack adds `http://` or `mailto:` to the target). Entities are decoded last, so a typed
 * `&lt;` stays as typed.
 */
export function unescapeSlackText(text: string): string {
  const replaced = text.replace(ENTITY, (whole, sigil: string, target: string, label: string | undefined) => {
    switch (sigil) {
      case "@":
        if (!/^[UW][A-Z0-9]+$/.test(target)) return whole;
        // The name stays for the reader (an audit row says whom support meant) unless it would
        // split the mention into two words.
        return label && !/\s/.test(label) ? `<@${target}|${label}>` : `<@${target}>`;
      case "#":
        return label ? `#${label}` : `<#${target}>`;
      case "!":
        // <!here>, <!channel>, <!everyone>; <!subteam^S123|@team> and <!date^…|fallback> carry their text.
        return label ?? `@${target.split("^")[0]}`;
      default:
        if (/^mailto:/i.test(target)) return label ?? target.slice("mailto:".length);
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return label ?? target;
        return whole;
    }
  });
  return replaced.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}
