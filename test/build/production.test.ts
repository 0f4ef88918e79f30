import { spawn, type ChildProcess } from "node:child_process";
import { builtinModules } from "node:module";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../chain/anvil.ts";
import { onPostgres } from "../helpers/db.ts";
import { TEST_METHODS_JSON } from "../helpers/services.ts";

/**
 * Production runs the compiled JavaScript of `npm run build` (scripts/build.mjs), started by the
 * Procfile as `node dist/…`, on a production install. The test builds into a directory of its own
 * holding what a deploy ships (dist/, Procfile, package.json, package-lock.json, scripts/; never
 * src/, locales/ or prisma/, so a compiled file that still reached into the sources fails here)
 * and runs the Procfile's processes there, one after the other on one fresh PGlite database.
 *
 * With TEST_PRODUCTION_INSTALL=1 the directory gets a real `npm ci --omit=dev --prefer-offline`
 * (from npm's cache); that adds 30 to 60 s, which took the file past two minutes on a shared
 * machine, so CI runs it without: the directory then borrows the dev install's node_modules, and
 * what keeps that honest is the check that the bundles import nothing but node's modules and
 * "dependencies" (everything else is compiled in).
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const FULL = process.env.TEST_PRODUCTION_INSTALL === "1";
const PKG = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const scratch: string[] = [];

function tempDir(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `cd-build-${label}-`));
  scratch.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A child with exactly `env` (plus PATH and HOME): none of vitest's or npm's variables leak in. */
function launch(command: string[], cwd: string, env: Record<string, string>, stdin = ""): { child: ChildProcess; done: Promise<Ran> } {
  const [file, ...args] = command;
  const child = spawn(file === "node" ? process.execPath : file, args, {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "warn", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin!.end(stdin);
  const out = { stdout: "", stderr: "" };
  child.stdout!.on("data", (d) => (out.stdout += d));
  child.stderr!.on("data", (d) => (out.stderr += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 180_000);
  const done = new Promise<Ran>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, ...out });
    });
  });
  return { child, done };
}

const run = (command: string[], cwd: string, env: Record<string, string>, stdin = "") => launch(command, cwd, env, stdin).done;

/** The Procfile's processes, by name, as argument lists. */
function procfile(dir: string): Record<string, string[]> {
  const entries = readFileSync(path.join(dir, "Procfile"), "utf8")
    .split("\n")
    .filter((line) => line.trim() && !line.startsWith("#"))
    .map((line) => {
      const at = line.indexOf(":");
      return [line.slice(0, at).trim(), line.slice(at + 1).trim().split(/\s+/)] as const;
    });
  return Object.fromEntries(entries);
}

/** Starts a web process, waits for /healthz to answer 200, asks the OpenAPI route too, then stops it with SIGTERM. */
async function serve(command: string[], cwd: string, env: Record<string, string>) {
  const port = await freePort();
  const { child, done } = launch(command, cwd, { ...env, PORT: String(port) });
  let exited: Ran | null = null;
  void done.then((r) => (exited = r));
  let health = 0;
  const deadline = Date.now() + 120_000;
  while (!exited && Date.now() < deadline) {
    health = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 0);
    if (health === 200) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const openapi = health === 200 ? await fetch(`http://127.0.0.1:${port}/api/v1/openapi.json`).then(async (r) => ({ status: r.status, body: (await r.json()) as { openapi?: string } })) : null;
  child.kill("SIGTERM");
  const ended = await done;
  return { health, openapi, ended };
}

function processEnv(dir: string): Record<string, string> {
  const methods = path.join(dir, "methods.json");
  if (!existsSync(methods)) writeFileSync(methods, JSON.stringify(TEST_METHODS_JSON));
  return { NODE_ENV: "production", PGLITE_DIR: path.join(dir, "pglite"), FILE_STORE_DIR: path.join(dir, "files"), PAYMENT_METHODS_FILE: methods };
}

/** What a deploy ships beside its node_modules: the build and the files npm and the Procfile read. */
async function slug(label: string): Promise<string> {
  const dir = tempDir(label);
  const built = await run(["node", "scripts/build.mjs", path.join(dir, "dist")], ROOT, {});
  expect(built.stderr).toBe("");
  expect(built.code).toBe(0);
  for (const file of ["package.json", "package-lock.json", "Procfile"]) copyFileSync(path.join(ROOT, file), path.join(dir, file));
  cpSync(path.join(ROOT, "scripts"), path.join(dir, "scripts"), { recursive: true });
  cpSync(path.join(ROOT, "bin"), path.join(dir, "bin"), { recursive: true });
  return dir;
}

/** Every bare module name the compiled files import or require (the bundled CommonJS of @prisma/client requires). */
function bundleImports(dist: string): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.m?js$/.test(entry.name)) {
        const text = readFileSync(file, "utf8");
        for (const m of text.matchAll(/(?:^|[;\n}])\s*(?:import|export)\s[^'"]*?from\s*["']([^"'./][^"']*)["']|\bimport\(\s*["']([^"'./][^"']*)["']\s*\)|^import\s+["']([^"'./][^"']*)["']|\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/gm)) {
          names.add((m[1] ?? m[2] ?? m[3] ?? m[4])!);
        }
      }
    }
  };
  walk(dist);
  return names;
}

const packageOf = (specifier: string) => (specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!);
const isBuiltin = (specifier: string) => specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]!);

describe.skipIf(onPostgres)("npm run build, a production install, then the Procfile: production on compiled JavaScript", () => {
  let dir: string;
  let env: Record<string, string>;
  let install: Ran;
  beforeAll(async () => {
    dir = await slug("omit-dev");
    if (FULL) install = await run(["npm", "ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund"], dir, {});
    else symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    env = processEnv(dir);
  }, 300_000);

  it.skipIf(!FULL)("npm ci --omit=dev (TEST_PRODUCTION_INSTALL=1) has no Prisma CLI, anvil, solc, tsx, typescript or esbuild; the postinstall says why it generates nothing", () => {
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toContain("the Prisma CLI is not installed");
    for (const dev of ["prisma", "@prisma/client", "pglite-prisma-adapter", "@foundry-rs/anvil", "solc", "tsx", "typescript", "esbuild", "vitest"]) {
      expect(existsSync(path.join(dir, "node_modules", dev)), dev).toBe(false);
    }
    expect(existsSync(path.join(dir, "node_modules", ".bin", "prisma"))).toBe(false);
    expect(existsSync(path.join(dir, "node_modules", "@electric-sql", "pglite"))).toBe(true);
  });

  it("dist/ is JavaScript only, importing nothing but node's modules and the production dependencies", () => {
    const files = readdirSync(path.join(dir, "dist"), { recursive: true }) as string[];
    expect(files.filter((f) => f.endsWith(".ts"))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining([path.join("src", "main.js"), path.join("src", "cli", "index.js"), path.join("src", "db", "pgliteWorker.mjs"), path.join("locales", "en"), path.join("prisma", "migrations")]));
    const imports = [...bundleImports(path.join(dir, "dist"))];
    expect(imports.length).toBeGreaterThan(5);
    const outside = imports.filter((s) => !isBuiltin(s) && !(packageOf(s) in PKG.dependencies));
    // The Prisma client's runtime and the PGlite adapter are compiled in: as dependencies they
    // would pull the Prisma CLI into a production install (see scripts/build.mjs).
    expect(outside).toEqual([]);
    for (const dev of ["@prisma/client", "pglite-prisma-adapter", "prisma", "tsx", "typescript", "solc", "@foundry-rs/anvil"]) {
      expect(PKG.dependencies).not.toHaveProperty(dev);
      expect(PKG.devDependencies).toHaveProperty(dev);
    }
  });

  it("the Procfile runs node on dist/: release migrates, web answers /healthz and the OpenAPI route, SIGTERM ends it with 0", async () => {
    const proc = procfile(dir);
    for (const name of ["release", "web", "worker", "discord"]) {
      expect(proc[name]?.[0]).toBe("node");
      expect(proc[name]?.[1]).toMatch(/^dist\/.+\.js$/);
    }
    const release = await run(proc.release!, dir, env);
    expect(release.stderr).toBe("");
    expect(release.stdout).toMatch(/migration\(s\) applied \(pglite\)/);
    expect(release.code).toBe(0);

    const web = await serve(proc.web!, dir, env);
    expect(web.health).toBe(200);
    expect(web.openapi?.status).toBe(200);
    expect(web.openapi?.body.openapi).toMatch(/^3\.1\./);
    expect(web.ended.code).toBe(0);
  });

  it("reads its locales from dist/ (the directory has no locales/ of its own): the console answers in zh-CN", async () => {
    expect(existsSync(path.join(dir, "locales"))).toBe(false);
    const result = await run(["node", "dist/src/main.js", "console", "--script"], dir, env, "/lang zh-CN\nhelp\n/quit\n");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("topup");
    expect(result.stdout).toMatch(/[\u4e00-\u9fff]{4}/);
  });

  it("npm start with NODE_ENV=production runs dist/ (there is no src/ beside it to run)", async () => {
    expect(existsSync(path.join(dir, "src"))).toBe(false);
    const web = await serve(["node", "scripts/start.mjs", "web"], dir, env);
    expect(web.health).toBe(200);
    const migrate = await run(["node", "scripts/start.mjs", "--cli", "migrate"], dir, env);
    expect(migrate.stdout).toMatch(/database is up to date/);
    expect(migrate.code).toBe(0);
  });

  it("the credit-desk command (package.json's bin) runs dist/ with NODE_ENV=production", async () => {
    const migrate = await run(["node", "bin/credit-desk.mjs", "migrate"], dir, env);
    expect(migrate.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find/);
    expect(migrate.stdout).toMatch(/database is up to date/);
    expect(migrate.code).toBe(0);
  });

  it("the Discord command registration runs compiled too: without credentials it names them, exit 1", async () => {
    const result = await run(["node", "dist/scripts/discord-deploy.js"], dir, env);
    // Its wording belongs to scripts/discord-deploy.ts; what matters here is that it ran.
    expect(result.stderr).toContain("DISCORD_TOKEN");
    expect(result.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find/);
    expect(result.code).toBe(1);
  });

  it("npm start with NODE_ENV=production and no build: one line saying to run npm run build, exit 1", async () => {
    const bare = tempDir("no-dist");
    mkdirSync(path.join(bare, "scripts"));
    copyFileSync(path.join(ROOT, "scripts/start.mjs"), path.join(bare, "scripts/start.mjs"));
    const result = await run(["node", "scripts/start.mjs", "web"], bare, processEnv(bare));
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe("NODE_ENV=production runs the compiled build, and dist/src/main.js is missing: run `npm run build` first (or unset NODE_ENV to run the sources through tsx).");
  });

  it("npm start without NODE_ENV=production still runs the TypeScript sources through tsx", async () => {
    // The database the compiled build migrated: the sources find it up to date.
    const { NODE_ENV: _production, ...development } = env;
    const web = await serve(["node", "scripts/start.mjs", "web"], ROOT, development);
    expect(web.health).toBe(200);
    expect(web.ended.code).toBe(0);
  });
});
