import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { boldAllowed } from "../../src/platforms/console/index.ts";
import { onPostgres } from "../helpers/db.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BOLD = "\u001b[1m";
// util-linux `script` runs a command on a pseudo-terminal: the console sees a TTY, as when typed at.
const hasScript = spawnSync("script", ["--version"]).status === 0;

interface Playground {
  write(text: string): void;
  /** Resolves once the output (so far) contains `text`. */
  waitFor(text: string): Promise<void>;
  output(): string;
  exit: Promise<number | null>;
  dir: string;
}

/** `npm start` as a newcomer runs it: no credentials, so the console playground on a fresh PGlite directory. */
function playground(options: { tty: boolean; env?: Record<string, string> }): Playground {
  const dir = mkdtempSync(path.join(tmpdir(), "cd-terminal-"));
  const command = [process.execPath, "--import", "tsx", "src/main.ts"];
  const child = options.tty ? spawn("script", ["-qefc", command.map((w) => `'${w}'`).join(" "), "/dev/null"], { cwd: ROOT, env: envFor(dir, options.env) }) : spawn(command[0], command.slice(1), { cwd: ROOT, env: envFor(dir, options.env) });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 170_000);
  const exit = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve(code);
    }),
  );
  return {
    dir,
    write: (text) => child.stdin.write(text),
    output: () => out,
    exit,
    async waitFor(text) {
      for (let i = 0; !out.includes(text); i++) {
        if (i > 1500 || child.exitCode !== null) throw new Error(`never saw ${JSON.stringify(text)} in:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    ...{ kill: (signal: NodeJS.Signals) => child.kill(signal) },
  } as Playground & { kill(signal: NodeJS.Signals): void };
}

function envFor(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TERM: "xterm", LOG_LEVEL: "warn", PGLITE_DIR: path.join(dir, "db"), FILE_STORE_DIR: path.join(dir, "files"), ...extra };
}

describe("bold on the terminal", () => {
  it("only on a TTY, and not when NO_COLOR is set to a value (https://no-color.org)", () => {
    expect(boldAllowed({ isTTY: true }, {})).toBe(true);
    expect(boldAllowed({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(boldAllowed({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(boldAllowed({ isTTY: false }, {})).toBe(false);
    expect(boldAllowed({}, {})).toBe(false);
  });
});

describe.skipIf(onPostgres)("the playground as a process", () => {
  it("a script on a pipe: plain text without escape sequences; SIGINT exits 130 and closes the database (its lock goes)", { timeout: 180_000 }, async () => {
    const p = playground({ tty: false }) as Playground & { kill(signal: NodeJS.Signals): void };
    p.write("topup trc20 10\n");
    await p.waitFor("[2] Cancel order");
    expect(p.output()).toContain("== Top-up order CD-000001 ==");
    expect(p.output()).not.toContain("\u001b");
    expect(p.output()).not.toContain("`");
    expect(existsSync(path.join(p.dir, "db", "credit-desk.lock"))).toBe(true);
    // Standard input stays open: the playground is waiting for the next line when the signal comes.
    p.kill("SIGINT");
    expect(await p.exit).toBe(130);
    expect(existsSync(path.join(p.dir, "db", "credit-desk.lock"))).toBe(false);
  });

  it.skipIf(!hasScript)("on a terminal: bold order numbers, lines typed ahead all run, and Ctrl-C exits 130", { timeout: 180_000 }, async () => {
    const p = playground({ tty: true });
    await p.waitFor("customer:console-customer> ");
    // Three lines at once, as a paste: none is lost while the first one runs.
    p.write("topup trc20 10\r/as support\rbalance\r");
    await p.waitFor("== Your balance ==");
    expect(p.output()).toContain(`== Top-up order ${BOLD}CD-000001\u001b[22m ==`);
    expect(p.output()).toContain("You are now the support member");
    p.write("\u0003");
    expect(await p.exit).toBe(130);
  });

  it.skipIf(!hasScript)("on a terminal with NO_COLOR set: the same words, no bold", { timeout: 180_000 }, async () => {
    const p = playground({ tty: true, env: { NO_COLOR: "1" } });
    await p.waitFor("customer:console-customer> ");
    p.write("topup trc20 10\r");
    await p.waitFor("[2] Cancel order");
    expect(p.output()).toContain("== Top-up order CD-000001 ==");
    expect(p.output()).not.toContain(BOLD);
    p.write("\u0003");
    expect(await p.exit).toBe(130);
  });
});
