import { registry } from "../../commands/index.ts";
import { scriptLines } from "../../src/platforms/console/index.ts";
import { ConsoleSession } from "../../src/platforms/console/session.ts";
import type { Services } from "../../src/services.ts";

/** Replays a script through the console surface's non-interactive mode and returns what it printed. */
export async function runConsole(services: Services, lines: string[], who = { customer: "alice", support: "sam" }): Promise<string> {
  const out: string[] = [];
  const session = new ConsoleSession(services, registry, scriptLines(lines), (text) => out.push(text), { echo: true, ...who });
  await session.run();
  return out.join("\n");
}

/** The order number of the last order the output mentions (a card's "same screenshot as" flag names another). */
export function lastOrderNo(output: string): string {
  const all = [...output.replace(/^.*Same screenshot as.*$/gm, "").matchAll(/CD-\d{6}/g)];
  if (all.length === 0) throw new Error(`no order number in:\n${output}`);
  return all[all.length - 1][0];
}
