import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_METHODS_JSON } from "../../helpers/services.ts";
import type { LogCapture } from "./capture.ts";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** A payment methods file for a process of the run (the test methods: no demo addresses). */
export function methodsFile(json: unknown = TEST_METHODS_JSON): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "cd-methods-")), "methods.json");
  writeFileSync(file, JSON.stringify(json));
  return file;
}

/**
 * Starts src/main.ts <role> from the sources (the Procfile runs the same entry compiled, from dist/), with exactly the
 * environment given (and PATH/HOME), its stdout and stderr captured line by line.
 */
export function startProcess(role: string, env: Record<string, string>, capture: LogCapture, label: string): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "src/main.ts"), role], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  capture.attach(child, label);
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

export async function stopProcess(child: ChildProcess, timeoutMs = 15_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await exited(child);
  clearTimeout(timer);
  return code;
}
