import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const START_SCRIPT = fileURLToPath(new URL("../scripts/start-postgres.sh", import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function pgBin(): string {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(a) - Number(b));
  return path.join("/usr/lib/postgresql", versions.at(-1)!, "bin");
}

/**
 * A database of its own for one benchmark run: a fresh database on DATABASE_URL's server when it
 * is set (dropped afterwards), otherwise a throw-away server from scripts/start-postgres.sh
 * (stopped and deleted afterwards).
 */
export async function benchDatabase(label: string): Promise<{ url: string; close(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (base) {
    const name = `bench_${label}_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async close() {
        const admin = new pg.Client({ connectionString: base });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), `bench-pg-${label}-`));
  const port = await freePort();
  const url = execFileSync(START_SCRIPT, [dir, String(port)], { encoding: "utf8" }).trim();
  console.log(`(throw-away PostgreSQL on port ${port}; set DATABASE_URL to use your own server)`);
  return {
    url,
    async close() {
      const args = ["-D", dir, "-m", "fast", "-w", "stop"];
      const ctl = path.join(pgBin(), "pg_ctl");
      if (process.getuid?.() === 0) execFileSync("runuser", ["-u", "postgres", "--", ctl, ...args], { stdio: "ignore" });
      else execFileSync(ctl, args, { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A PostgreSQL server for one benchmark run that needs several databases side by side (so that
 * what it compares shares one server and one machine): DATABASE_URL's server when it is set, a
 * throw-away one from scripts/start-postgres.sh otherwise. `close` drops the databases it created,
 * and stops and deletes a throw-away server.
 */
export async function benchServer(): Promise<{ createDatabase(label: string): Promise<string>; close(): Promise<void> }> {
  const created: string[] = [];
  let base = process.env.DATABASE_URL;
  let stop: (() => void) | undefined;
  if (!base) {
    const dir = mkdtempSync(path.join(tmpdir(), "bench-pg-"));
    const port = await freePort();
    base = execFileSync(START_SCRIPT, [dir, String(port)], { encoding: "utf8" }).trim();
    console.log(`(throw-away PostgreSQL on port ${port}; set DATABASE_URL to use your own server)`);
    stop = () => {
      const args = ["-D", dir, "-m", "fast", "-w", "stop"];
      const ctl = path.join(pgBin(), "pg_ctl");
      if (process.getuid?.() === 0) execFileSync("runuser", ["-u", "postgres", "--", ctl, ...args], { stdio: "ignore" });
      else execFileSync(ctl, args, { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    async createDatabase(label) {
      const name = `bench_${label}_${randomBytes(4).toString("hex")}`;
      await admin((client) => client.query(`CREATE DATABASE "${name}"`));
      created.push(name);
      const url = new URL(base!);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async close() {
      if (stop) return stop();
      await admin(async (client) => {
        for (const name of created) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    },
  };
}

/** CPU time (ms) a process has used so far, from /proc (Linux); null where that cannot be read. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * CPU time (ms) used so far by the local PostgreSQL backends serving `database`, read from /proc
 * (Linux); null where that cannot be read. Lets a benchmark say how its time splits between Node
 * and the database.
 */
export function postgresCpuMs(database: string): number | null {
  let ticks = 0;
  let seen = false;
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        // A backend's title is "postgres: <user> <database> <client> <state>".
        const title = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        if (!title.startsWith("postgres: ") || title.split(" ")[2] !== database) continue;
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        ticks += Number(fields[11]) + Number(fields[12]);
        seen = true;
      } catch {
        // The process ended meanwhile.
      }
    }
  } catch {
    return null;
  }
  return seen ? ticks * 10 : null; // USER_HZ is 100 on Linux
}
