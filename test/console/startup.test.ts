import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../chain/anvil.ts";
import { onPostgres } from "../helpers/db.ts";
import { TEST_METHODS_JSON } from "../helpers/services.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** `npm start`'s entry point as a process of its own; resolves when it exits, or kills it once `until` sees what it waits for. */
function start(args: string[], env: Record<string, string>, until?: (out: { stdout: string; stderr: string }) => Promise<boolean>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; seen: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "warn", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin.end();
    const out = { stdout: "", stderr: "" };
    let seen = false;
    child.stdout.on("data", (d) => (out.stdout += d));
    child.stderr.on("data", (d) => (out.stderr += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    let polling: NodeJS.Timeout | undefined;
    if (until) {
      polling = setInterval(() => {
        void until(out).then((ok) => {
          if (ok && !seen) {
            seen = true;
            child.kill("SIGTERM");
          }
        });
      }, 200);
    }
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(killer);
      clearInterval(polling);
      resolve({ code, ...out, seen });
    });
  });
}

function methodsFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cd-startup-"));
  const file = path.join(dir, "methods.json");
  writeFileSync(file, JSON.stringify(TEST_METHODS_JSON));
  return file;
}

describe.skipIf(onPostgres)("npm start, as an operator starts it", () => {
  it("with API_KEYS alone, it serves the usage API (not the console playground)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cd-startup-"));
    const port = await freePort();
    const result = await start([], { API_KEYS: "key-for-the-gateway-1", PORT: String(port), PGLITE_DIR: path.join(dir, "db"), FILE_STORE_DIR: path.join(dir, "files"), PAYMENT_METHODS_FILE: methodsFile() }, async () => {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
        return response.status === 200;
      } catch {
        return false;
      }
    });
    expect(result.seen).toBe(true);
    expect(result.stdout).not.toContain("console playground");
  });

  it("a database it cannot reach: one line naming DATABASE_URL's host (never its password), no stack trace, exit 1", async () => {
    const port = await freePort();
    const result = await start(["worker"], { DATABASE_URL: `postgres://billing:s3cret-pass@127.0.0.1:${port}/credits`, PAYMENT_METHODS_FILE: methodsFile() });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`Cannot open the database: PostgreSQL at 127.0.0.1:${port}/credits (DATABASE_URL): nothing answers there (ECONNREFUSED).`);
    expect(result.stderr).not.toContain("s3cret-pass");
  });

  it("a port already in use: one line naming PORT, no stack trace, exit 1", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cd-startup-"));
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, "0.0.0.0", () => resolve((blocker.address() as { port: number }).port)));
    try {
      const result = await start(["web"], { API_KEYS: "key-for-the-gateway-1", PORT: String(port), PGLITE_DIR: path.join(dir, "db"), FILE_STORE_DIR: path.join(dir, "files"), PAYMENT_METHODS_FILE: methodsFile() });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(`Cannot start the web server: port ${port} (PORT) is already in use: stop what listens there, or set another PORT.`);
    } finally {
      blocker.close();
    }
  });

  it("Slack unreachable: one line naming the Slack variables, no unhandled rejection, exit 1", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cd-startup-"));
    const result = await start(["web"], {
      SLACK_BOT_TOKEN: "xoxb-not-a-real-token",
      SLACK_SIGNING_SECRET: "signing-secret-for-tests",
      SLACK_SUPPORT_CHANNEL: "C0SUPPORT",
      SLACK_SUPPORT_USERS: "U0SUPPORT",
      SLACK_API_URL: `http://127.0.0.1:${await freePort()}/api/`,
      PORT: String(await freePort()),
      PGLITE_DIR: path.join(dir, "db"),
      FILE_STORE_DIR: path.join(dir, "files"),
      PAYMENT_METHODS_FILE: methodsFile(),
    });
    expect(result.code).toBe(1);
    // The last line says what failed; the Web API client's own warning may come before it, as a log line.
    expect(result.stderr.trim().split("\n").pop()).toBe("Cannot start the Slack surface (SLACK_BOT_TOKEN, SLACK_API_URL): nothing answers there (ECONNREFUSED).");
    expect(result.stderr).not.toMatch(/\n\s+at |Unhandled|UnhandledPromiseRejection/);
    expect(result.stderr).not.toContain("xoxb-not-a-real-token");
  });

  it("a bad environment exits 2, as the CLI does, naming every variable", async () => {
    const result = await start(["worker"], { PORT: "eighty", ONBOARDING_MODE: "sometimes" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("PORT");
    expect(result.stderr).toContain("ONBOARDING_MODE");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
