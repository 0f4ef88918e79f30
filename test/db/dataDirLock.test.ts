import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { LOCK_FILE, lockDataDir } from "../../src/db/dataDirLock.ts";
import { DatabaseInUseError, openDatabase } from "../../src/db/index.ts";
import { onPostgres } from "../helpers/db.ts";

const HOLDER = fileURLToPath(new URL("./pgliteHolder.ts", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/credit-desk.mjs", import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), "cd-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => path.join(root, `pglite-${++dirs}`);

interface Holder {
  child: ChildProcess;
  lines: Interface;
  hello: { pid?: number; accountId?: string; error?: string; message?: string };
  next(): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** Another OS process holding `dir` open (test/db/pgliteHolder.ts). */
async function startHolder(dir: string): Promise<Holder> {
  const child = spawn(process.execPath, ["--import", "tsx", HOLDER, dir], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on("line", (line) => (waiting.length ? waiting.shift()!(line) : queue.push(line)));
  const next = () => new Promise<Record<string, unknown>>((resolve) => {
    const take = (line: string) => resolve(JSON.parse(line) as Record<string, unknown>);
    if (queue.length) take(queue.shift()!);
    else waiting.push(take);
  });
  const hello = (await Promise.race([next(), exited.then((code) => ({ error: `exited ${code}` }))])) as Holder["hello"];
  return { child, lines, hello, next, exited };
}

/** The operator CLI, in a process of its own, on PGlite in `dir`. */
function credit(args: string[], dir: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|PGLITE_DIR|TEST_DB)$/.test(k)));
  const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env: { ...env, PGLITE_DIR: dir }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

async function linkCodes(dir: string): Promise<number> {
  const db = await openDatabase({ dataDir: dir });
  try {
    const [{ n }] = await db.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "link_codes"`);
    return n;
  } finally {
    await db.close();
  }
}

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

// The lock is PGlite's: PostgreSQL takes care of its own concurrency.
describe.skipIf(onPostgres)("one process at a time on a PGlite data directory", () => {
  it("refuses a second process with a typed error naming the holder, and loses no committed write", async () => {
    const dir = freshDir();
    const holder = await startHolder(dir);
    expect(holder.hello.pid).toBe(holder.child.pid);
    holder.child.stdin!.write("issue\n");
    expect(await holder.next()).toHaveProperty("code");

    // The operator's CLI while the console runs: one line naming the process, exit 1 ("the operation failed").
    const refused = await credit(["link-code", "issue", holder.hello.accountId!], dir);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(refused.stderr).toContain(`the database in ${dir} is in use by process ${holder.hello.pid}: stop it, or set DATABASE_URL`);

    // This process, a third one: the same, as a DatabaseInUseError.
    const err = await openDatabase({ dataDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseInUseError);
    expect(err).toMatchObject({ name: "DatabaseInUseError", code: "DATABASE_IN_USE", dir, pid: holder.hello.pid });
    expect((err as Error).message).toBe(`the database in ${dir} is in use by process ${holder.hello.pid}: stop it, or set DATABASE_URL`);

    holder.child.stdin!.write("issue\n");
    expect(await holder.next()).toHaveProperty("code");
    // Closing releases the lock, and the process ends by itself.
    holder.child.stdin!.end();
    expect(await holder.exited).toBe(0);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);

    const issued = await credit(["link-code", "issue", holder.hello.accountId!], dir);
    expect(issued.stderr).toContain("one-time link code");
    expect(issued.status).toBe(0);
    expect(await linkCodes(dir)).toBe(3);
  });

  it("takes over the lock of a process that was killed, with its committed writes intact", async () => {
    const dir = freshDir();
    const holder = await startHolder(dir);
    holder.child.stdin!.write("issue\n");
    await holder.next();
    holder.child.kill("SIGKILL");
    await holder.exited;
    // A killed process runs no exit handler: its lock stays, naming a pid that no longer runs.
    expect(readFileSync(path.join(dir, LOCK_FILE), "utf8").split("\n")[0]).toBe(String(holder.hello.pid));
    expect(await linkCodes(dir)).toBe(1);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it("releases the lock when the process exits without closing the database", async () => {
    const dir = freshDir();
    const holder = await startHolder(dir);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(true);
    holder.child.stdin!.write("exit\n");
    expect(await holder.exited).toBe(0);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it("lets exactly one of several processes take over a stale lock", async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, LOCK_FILE), `${await deadPid()}\n${hostname()}\n\nstale\n`);
    const holders = await Promise.all([startHolder(dir), startHolder(dir), startHolder(dir)]);
    const winners = holders.filter((h) => h.hello.accountId);
    const losers = holders.filter((h) => h.hello.error);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(2);
    for (const loser of losers) {
      expect(loser.hello).toMatchObject({ error: "DatabaseInUseError", pid: winners[0].hello.pid });
      expect(await loser.exited).toBe(3);
    }
    winners[0].child.stdin!.end();
    expect(await winners[0].exited).toBe(0);
  });

  it("tells a live pid that now belongs to another process (a reused pid) from the holder", () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    // Our parent is alive, but it did not start at clock tick 1.
    writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid}\n${hostname()}\n1\nreused\n`);
    const lock = lockDataDir(dir);
    expect(readFileSync(lock.file, "utf8").split("\n")[0]).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
  });

  it("takes a holder on another host for alive, and names the host", () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, LOCK_FILE), "4242\nother-host\n\ntoken\n");
    expect(() => lockDataDir(dir)).toThrow(`the database in ${dir} is in use by process 4242 on other-host: stop it, or set DATABASE_URL`);
  });

  it("refuses the same directory twice in one process, and never removes a lock that is not its own", async () => {
    const dir = freshDir();
    const first = await openDatabase({ dataDir: dir });
    await expect(openDatabase({ dataDir: dir })).rejects.toMatchObject({ name: "DatabaseInUseError", pid: process.pid });
    const lock = path.join(dir, LOCK_FILE);
    await first.close();
    await first.close();
    expect(existsSync(lock)).toBe(false);
    // A lock taken over by another process after we were thought dead is left alone.
    const again = lockDataDir(dir);
    writeFileSync(lock, `${await deadPid()}\n${hostname()}\n\nsomeone-else\n`);
    again.release();
    expect(existsSync(lock)).toBe(true);
    rmSync(lock);
  });
});
