import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";

/**
 * One process at a time on a PGlite data directory. PGlite is PostgreSQL in single-user mode:
 * two processes on one directory each keep their own buffers and overwrite each other's pages,
 * so committed writes disappear, or WebAssembly aborts ("Aborted()").
 *
 * The lock is a file in the data directory, `credit-desk.lock`, holding the owner's pid (first
 * line), host, process start time and a random token. It appears atomically, content and all: it
 * is written under a private name and hard-linked to its place, which fails if a lock is there.
 * A lock whose process is gone (on this host: no such pid, or a pid reused by a process that
 * started later) is stale and taken over; a second taker is kept out by a takeover directory
 * created with mkdir. The lock is removed on close and when the process exits; a process killed
 * by a signal leaves a stale lock that the next one takes over.
 */
export const LOCK_FILE = "credit-desk.lock";

/** The data directory is held by another live process. `message` is one line, for the operator. */
export class DatabaseInUseError extends Error {
  readonly code = "DATABASE_IN_USE";
  constructor(
    /** The data directory, absolute. */
    readonly dir: string,
    /** The holder's pid. */
    readonly pid: number,
    /** The holder's host, when it is not this one. */
    readonly host?: string,
  ) {
    super(`the database in ${dir} is in use by process ${pid}${host ? ` on ${host}` : ""}: stop it, or set DATABASE_URL`);
    this.name = "DatabaseInUseError";
  }
}

export interface DataDirLock {
  /** The lock file. */
  readonly file: string;
  /** Removes the lock if it is still ours; idempotent. */
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  /** Process start time in clock ticks since boot (Linux), to tell a reused pid; "" elsewhere. */
  started: string;
  token: string;
}

const TAKEOVER_STALE_MS = 10_000;

/** Takes the lock on `dataDir` (which must exist), or throws DatabaseInUseError. */
export function lockDataDir(dataDir: string): DataDirLock {
  const dir = path.resolve(dataDir);
  const file = path.join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostname(), started: startTimeOf(process.pid), token: randomBytes(12).toString("hex") };
  const draft = `${file}.${process.pid}.${me.token}`;
  writeFileSync(draft, `${me.pid}\n${me.host}\n${me.started}\n${me.token}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const content = readOrNull(file);
      if (content === null) continue; // released between our link and our read: try again
      const holder = parseHolder(content);
      if (holder && isAlive(holder)) throw new DatabaseInUseError(dir, holder.pid, holder.host === me.host ? undefined : holder.host);
      if (attempt > 50) throw new Error(`could not take over the stale lock ${file}`);
      takeOver(file, content);
    }
  } finally {
    unlinkQuietly(draft);
  }

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener("exit", release);
    // Only our own lock: never one that a later process took over after we were thought dead.
    if (readOrNull(file) === `${me.pid}\n${me.host}\n${me.started}\n${me.token}\n`) unlinkQuietly(file);
  };
  process.on("exit", release);
  return { file, release };
}

/** Removes a stale lock whose content is `stale`, unless someone else is doing so or got there first. */
function takeOver(file: string, stale: string): void {
  const guard = `${file}.takeover`;
  try {
    mkdirSync(guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    // Another process is taking it over; a guard left by one that died is removed after a while.
    const age = ageMs(guard);
    if (age !== null && age > TAKEOVER_STALE_MS) rmdirQuietly(guard);
    else sleepMs(20);
    return;
  }
  try {
    if (readOrNull(file) === stale) unlinkQuietly(file);
  } finally {
    rmdirQuietly(guard);
  }
}

function parseHolder(content: string): Holder | null {
  const [pid, host = "", started = "", token = ""] = content.split("\n");
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? { pid: n, host, started, token } : null;
}

/** A holder on another host is taken to be alive: we cannot see its processes. */
function isAlive(holder: Holder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  // The pid exists; if it started at another time than the holder did, it is another process.
  const started = startTimeOf(holder.pid);
  return !(holder.started && started && started !== holder.started);
}

/** Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces and parentheses). */
function startTimeOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

function ageMs(file: string): number | null {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // already gone
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
