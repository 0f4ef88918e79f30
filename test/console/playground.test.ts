import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { onPostgres } from "../helpers/db.ts";

/** Runs `npm start`'s entry point as a separate process, the way a newcomer does, with a script on stdin. */
function start(args: string[], input: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe.skipIf(onPostgres)("npm start", () => {
  it("with no chat credentials opens the console playground on embedded PGlite with the demo methods", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cd-start-"));
    const { code, stdout } = await start([], "topup trc20 10\n/as support\nqueue\n", {
      PGLITE_DIR: path.join(dir, "db"),
      FILE_STORE_DIR: path.join(dir, "files"),
    });
    expect(code).toBe(0);
    expect(stdout).toContain("Credit Desk console playground");
    expect(stdout).toContain("customer:console-customer> topup trc20 10");
    // One deposit address for everyone: the order is told 10 USDT plus its own suffix.
    expect(stdout).toMatch(/Send exactly 10\.\d{1,4} USDT/);
    expect(stdout).toMatch(/10\.\d{1,4} USDT → 12\.\d{1,6} USD of credit: 10\.\d{1,4} principal \+ 2\.\d{1,6} bonus\./);
    expect(stdout).toContain("No top-up is waiting for a decision.");
  });

  it("refuses to serve Slack customers with the demo payment methods", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cd-start-"));
    const { code, stderr } = await start(["worker"], "", {
      PGLITE_DIR: path.join(dir, "db"),
      SLACK_BOT_TOKEN: "xoxb-test-not-real",
      SLACK_SIGNING_SECRET: "signing-secret-not-real",
      SLACK_SUPPORT_CHANNEL: "C0SUPPORT",
      SLACK_SUPPORT_USERS: "U0SUPPORT",
    });
    expect(code).toBe(2);
    expect(stderr).toContain("is the demo payment configuration");
    expect(stderr).not.toContain("xoxb-test-not-real");
  });

  it("prints every bad variable at once and exits non-zero", async () => {
    const { code, stderr } = await start(["worker"], "", { PORT: "eighty", ONBOARDING_MODE: "sometimes", SLACK_BOT_TOKEN: "not-a-token" });
    expect(code).toBe(2);
    expect(stderr).toContain("PORT");
    expect(stderr).toContain("ONBOARDING_MODE");
    expect(stderr).toContain("SLACK_BOT_TOKEN");
    expect(stderr).not.toContain("not-a-token");
  });
});
