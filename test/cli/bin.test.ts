import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabaseUrl, onPostgres } from "../helpers/db.ts";

const BIN = fileURLToPath(new URL("../../bin/credit-desk.mjs", import.meta.url));
const workDir = mkdtempSync(path.join(tmpdir(), "cd-bin-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Runs the installed entry point as an operator would: a process of its own, from another directory. */
function credit(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|PGLITE_DIR|SLACK_|DISCORD_|PORT$|TEST_DB$)/.test(k)),
  );
  const child = spawn(process.execPath, [BIN, ...args], { cwd: workDir, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
  return new Promise((resolve) =>
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}

describe("bin/credit-desk.mjs", () => {
  it("migrates and reconciles the database the environment names", async () => {
    const env = onPostgres ? { DATABASE_URL: await createTestDatabaseUrl() } : { PGLITE_DIR: path.join(workDir, "pglite") };
    const migrated = await credit(["migrate"], env);
    expect(migrated.stderr).toBe("");
    expect(migrated.status).toBe(0);
    expect(migrated.stdout).toMatch(/applied \d{14}_init/);
    expect(migrated.stdout).toContain(onPostgres ? "(postgres)" : "(pglite)");
    const reconciled = await credit(["reconcile"], env);
    expect(reconciled.status).toBe(0);
    expect(reconciled.stdout).toContain("0 accounts checked");
  });

  it("exits non-zero on a bad environment, naming every bad variable", async () => {
    const result = await credit(["reconcile"], { PORT: "http", ORDER_TTL_MINUTES: "1", DATABASE_URL: "sqlite://file" });
    expect(result.status).toBe(2);
    for (const name of ["PORT", "ORDER_TTL_MINUTES", "DATABASE_URL"]) expect(result.stderr).toContain(`${name}:`);
    expect(result.stdout).toBe("");
  });
});
