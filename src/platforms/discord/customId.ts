import type { Invocation } from "../../reply.ts";

/**
 * A button or modal carries its Invocation in its custom_id, so a click needs no server-side
 * state: `cd:confirm:order=<uuid>`. Discord caps custom_id at 100 characters; order ids are
 * UUIDs (36) or order numbers, so an invocation fits with room to spare.
 *
 * Kinds: `cd` runs the invocation, `ck` first asks "are you sure?" (Discord has no native
 * confirmation dialog), `cy` is that prompt's yes (runs, and the answer replaces the prompt),
 * `cx` its no, `cf` is a modal whose submitted fields join the invocation's args.
 */
export type CustomIdKind = "cd" | "ck" | "cy" | "cx" | "cf";

export const CUSTOM_ID_MAX = 100;

export class CustomIdTooLong extends Error {
  constructor(readonly customId: string) {
    super(`custom_id of ${customId.length} characters exceeds Discord's ${CUSTOM_ID_MAX}: ${customId.slice(0, 40)}…`);
    this.name = "CustomIdTooLong";
  }
}

const NAME = /^[a-z][a-z0-9_-]{0,31}$/i;

export function encodeCustomId(kind: CustomIdKind, invocation: Invocation, uniqueSuffix?: number): string {
  if (!NAME.test(invocation.command)) throw new Error(`command name not encodable: ${invocation.command}`);
  const args = Object.entries(invocation.args)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join("&");
  // '#' is never produced by encodeURIComponent, so it can separate a de-duplicating suffix.
  const id = `${kind}:${invocation.command}:${args}${uniqueSuffix ? `#${uniqueSuffix}` : ""}`;
  if (id.length > CUSTOM_ID_MAX) throw new CustomIdTooLong(id);
  return id;
}

/** Whether an invocation fits in a custom_id: values a user typed can make it too long. */
export function fitsCustomId(kind: CustomIdKind, invocation: Invocation): boolean {
  try {
    encodeCustomId(kind, invocation);
    return true;
  } catch (err) {
    if (err instanceof CustomIdTooLong) return false;
    throw err;
  }
}

export function decodeCustomId(customId: string): { kind: CustomIdKind; invocation: Invocation } | null {
  const match = /^(cd|ck|cy|cx|cf):([a-z][a-z0-9_-]{0,31}):([^#]*)(?:#\d+)?$/i.exec(customId);
  if (!match) return null;
  const args: Record<string, string> = {};
  if (match[3]) {
    for (const pair of match[3].split("&")) {
      const eq = pair.indexOf("=");
      if (eq <= 0) return null;
      try {
        args[decodeURIComponent(pair.slice(0, eq))] = decodeURIComponent(pair.slice(eq + 1));
      } catch {
        return null;
      }
    }
  }
  return { kind: match[1] as CustomIdKind, invocation: { command: match[2], args } };
}
