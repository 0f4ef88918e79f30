import { registry } from "../../commands/index.ts";
import type { Registry } from "../../src/core/dispatch.ts";
import type { Locale } from "../../src/i18n.ts";
import { scriptLines } from "../../src/platforms/console/index.ts";
import { ConsoleSession } from "../../src/platforms/console/session.ts";
import type { Services } from "../../src/services.ts";

export interface ConsoleScriptOptions {
  customer: string;
  support: string;
  /** Another set of commands (a test's own), instead of the real registry. */
  registry?: Registry;
  locale?: Locale;
  /** Draw bold as a terminal would (ANSI); scripts are plain, as a pipe is. */
  ansi?: boolean;
}

/** Replays a script through the console surface's non-interactive mode and returns what it printed. */
export async function runConsole(services: Services, lines: string[], who: ConsoleScriptOptions = { customer: "alice", support: "sam" }): Promise<string> {
  const out: string[] = [];
  const { registry: commands = registry, ...options } = who;
  const session = new ConsoleSession(services, commands, scriptLines(lines), (text) => out.push(text), { echo: true, ...options });
  await session.run();
  return out.join("\n");
}

/** The order number of the last order the output mentions (a card's "same screenshot as" flag names another). */
export function lastOrderNo(output: string): string {
  const all = [...output.replace(/^.*Same screenshot as.*$/gm, "").matchAll(/CD-\d{6}/g)];
  if (all.length === 0) throw new Error(`no order number in:\n${output}`);
  return all[all.length - 1][0];
}
