import fc from "fast-check";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Registry } from "../../../../src/core/dispatch.ts";
import { scriptLines } from "../../../../src/platforms/console/index.ts";
import { ConsoleSession, tokenize } from "../../../../src/platforms/console/session.ts";
import type { Services } from "../../../../src/services.ts";
import { asCommandLine, badFileBytes, commandInputs, junkLine, mayWrite, rawLine, RAW_LINE, sample, type CommandInput, type FuzzWorld } from "./inputs.ts";
import { EntranceStats, isInternalError, rawKey } from "./oracle.ts";
import { pool } from "./pool.ts";

/**
 * The console entrance: each bad line is typed into a console session in script mode (the
 * playground's non-interactive mode, src/platforms/console), as a customer or, after
 * `/as support`, as a support member. One session per line, so a line that opens a form reads
 * nothing more and a number typed is never a click on an earlier answer.
 */

/** How the console reads a line (session.ts): meta commands, clicks, or a command and its words. */
export function consoleParse(line: string, registry: Registry): { kind: "ignored" | "meta" | "click" } | { kind: "command"; command: string; args: Record<string, string> } {
  const trimmed = line.trim();
  if (!trimmed || trimmed.startsWith("#")) return { kind: "ignored" };
  if (trimmed.startsWith("/")) return { kind: "meta" };
  if (/^\d+$/.test(trimmed)) return { kind: "click" };
  const [name = "", ...words] = tokenize(trimmed.replace(/^\/?credits\s+/, ""));
  const definition = registry.find(name.toLowerCase());
  const args: Record<string, string> = {};
  let position = 0;
  for (const word of words) {
    const named = /^([A-Za-z]\w*)=(.*)$/s.exec(word);
    const option = named ? definition?.options.find((o) => o.name === named[1]) : definition?.options[position++];
    args[option?.name ?? (named ? named[1] : `arg${position}`)] = named ? named[2] : word;
  }
  return { kind: "command", command: name.toLowerCase(), args };
}

/** Files a customer may name as a screenshot: none of them acceptable. */
function badFiles(maxBytes: number, seed: number): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), "cd-fuzz-files-"));
  const files = sample(badFileBytes(maxBytes), 12, seed).map((f, i) => {
    const file = path.join(dir, `${i}-${f.name}`);
    writeFileSync(file, f.bytes);
    return file;
  });
  const sub = path.join(dir, "a-directory.png");
  mkdirSync(sub);
  return [...files, sub, path.join(dir, "missing.png"), "/dev/null", "/proc/self/status"];
}

export interface ConsoleFuzzOptions {
  services: Services;
  registry: Registry;
  world: FuzzWorld;
  users: string[];
  supportUser: string;
  count: number;
  seed: number;
  concurrency?: number;
}

export function consoleLines(options: ConsoleFuzzOptions): { line: string; role: "customer" | "support"; user: string }[] {
  const { registry, world, users, count, seed } = options;
  const files = badFiles(options.services.env.SCREENSHOT_MAX_BYTES, seed);
  const order = (command: string) => registry.find(command)?.options.map((o) => o.name) ?? [];
  const out: { line: string; role: "customer" | "support"; user: string }[] = [];
  let attempt = 0;
  while (out.length < count && attempt < count * 20) {
    const batch = Math.min(500, count - out.length);
    const user = users[attempt % users.length];
    const lines = sample(
      fc.oneof(
        { weight: 7, arbitrary: commandInputs(world, user).chain((input) => withFile(input, files)) },
        { weight: 3, arbitrary: junkLine.map(rawLine) },
      ),
      batch,
      seed + attempt,
    );
    attempt += batch;
    for (const [i, input] of lines.entries()) {
      const who = users[(out.length + i) % users.length];
      const line = input.command === RAW_LINE ? input.args.raw : asCommandLine(input, order(input.command.trim().toLowerCase()));
      const parsed = consoleParse(line, registry);
      if (parsed.kind === "ignored") continue;
      if (parsed.kind === "meta" && /^\/wait\s+\d+\s*$/.test(line.trim())) continue;
      if (parsed.kind === "command" && mayWrite(world, input.role === "support" ? options.supportUser : who, { role: input.role, command: parsed.command, args: parsed.args })) continue;
      out.push({ line, role: input.role, user: input.role === "support" ? options.supportUser : who });
      if (out.length >= count) break;
    }
  }
  return out;
}

function withFile(input: CommandInput, files: string[]): fc.Arbitrary<CommandInput> {
  if (input.command !== "proof") return fc.constant(input);
  return fc.option(fc.constantFrom(...files), { nil: undefined, freq: 2 }).map((file) => (file ? { ...input, args: { ...input.args, screenshot: `@${file}` } } : input));
}

export async function fuzzConsole(options: ConsoleFuzzOptions, stats: EntranceStats): Promise<void> {
  const { services, registry } = options;
  const inputs = consoleLines(options);
  await pool(inputs, options.concurrency ?? 6, async ({ line, role, user }) => {
    const out: string[] = [];
    const prefix = role === "support" ? ["/as support"] : [];
    const session = new ConsoleSession(services, registry, scriptLines([...prefix, line]), (text) => out.push(text), {
      echo: false,
      customer: user,
      support: options.supportUser,
    });
    stats.inputs += 1;
    const shown = `${role === "support" ? "[support] " : ""}${JSON.stringify(line)}`;
    try {
      await session.run();
    } catch (err) {
      stats.crash(shown, `the session threw: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    // The welcome line, and the role switch, come before the answer.
    const answer = out.slice(1 + prefix.length).join("\n");
    if (!answer.trim()) {
      stats.unanswered.push({ input: shown, what: "no output" });
      stats.count("no answer");
      return;
    }
    const raw = answer.split("\n").find((l) => l.startsWith("! "));
    if (raw) {
      stats.crash(shown, `an error escaped to the console: ${raw}`);
      stats.count("raw error");
      return;
    }
    if (isInternalError(answer, line)) {
      stats.crash(shown, `internal error: ${answer.slice(0, 300)}`);
      stats.count("internal error");
      return;
    }
    const key = rawKey(answer);
    if (key && !line.includes(key)) {
      stats.crash(shown, `a message key shown untranslated: ${key}`);
      stats.count("untranslated");
      return;
    }
    stats.answered += 1;
    stats.count(answer.includes("⚠️") ? "refused with a message" : "answered");
  });
}

