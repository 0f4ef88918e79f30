import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const START = path.join(ROOT, "scripts/start-postgres.sh");
const STOP = path.join(ROOT, "scripts/stop-postgres.sh");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function pgBin(): string {
  const versions = execFileSync("ls", ["/usr/lib/postgresql"], { encoding: "utf8" }).trim().split(/\s+/).sort((a, b) => Number(a) - Number(b));
  return path.join("/usr/lib/postgresql", versions.at(-1)!, "bin");
}

function asPostgresUser(file: string, args: string[]): void {
  if (process.getuid?.() === 0) execFileSync("runuser", ["-u", "postgres", "--", file, ...args], { stdio: "ignore" });
  else execFileSync(file, args, { stdio: "ignore" });
}

/**
 * A PostgreSQL server for the run. `throwaway()` starts one of our own with
 * scripts/start-postgres.sh (we may stop, kill and restart it: the fault section does), and
 * `existing(url)` uses the server DATABASE_URL names (never stopped). Either way the run works as
 * a role of its own, created with a random password: the password is one of the secrets the log
 * scan looks for, and on a throw-away server it is really checked (scram-sha-256 over TCP).
 */
export class PgServer {
  readonly role = `reliability_${randomBytes(3).toString("hex")}`;
  readonly password = randomBytes(18).toString("base64url");
  private readonly databases: string[] = [];
  private roleCreated = false;

  private constructor(
    /** A superuser URL (no password on a throw-away server). */
    readonly adminUrl: string,
    readonly dir: string | null,
    readonly port: number,
  ) {}

  static async throwaway(label = "rel"): Promise<PgServer> {
    const dir = mkdtempSync(path.join(tmpdir(), `cd-${label}-pg-`));
    const port = await freePort();
    const url = execFileSync(START, [dir, String(port)], { encoding: "utf8" }).trim();
    const server = new PgServer(url, dir, port);
    server.requirePasswords();
    await server.createRole();
    return server;
  }

  static async existing(url: string): Promise<PgServer> {
    const server = new PgServer(url, null, Number(new URL(url).port || 5432));
    await server.createRole().catch(() => undefined);
    return server;
  }

  get serverLog(): string | null {
    return this.dir ? path.join(this.dir, "server.log") : null;
  }

  /** TCP connections other than the superuser's must give the password. */
  private requirePasswords(): void {
    const hba = path.join(this.dir!, "pg_hba.conf");
    const original = readFileSync(hba, "utf8");
    writeFileSync(
      hba,
      ["local all all trust", "host all postgres 127.0.0.1/32 trust", "host all all 127.0.0.1/32 scram-sha-256", "host all all ::1/128 scram-sha-256", "", "# original:", ...original.split("\n").map((l) => `# ${l}`)].join("\n"),
    );
    // Connections and their failures appear in the server log we scan.
    appendFileSync(path.join(this.dir!, "postgresql.conf"), "\nlog_connections = off\nlog_min_messages = warning\n");
    asPostgresUser(path.join(pgBin(), "pg_ctl"), ["-D", this.dir!, "reload"]);
  }

  async admin<T>(fn: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
    const url = new URL(this.adminUrl);
    if (database) url.pathname = `/${database}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async createRole(): Promise<void> {
    await this.admin((c) => c.query(`CREATE ROLE "${this.role}" LOGIN CREATEDB PASSWORD '${this.password}'`));
    this.roleCreated = true;
  }

  /** The URL our role connects with to `database`; the admin URL's own user when no role could be made. */
  urlOf(database: string): string {
    const url = new URL(this.adminUrl);
    if (this.roleCreated) {
      url.username = this.role;
      url.password = this.password;
    }
    url.pathname = `/${database}`;
    return url.toString();
  }

  /**
   * A fresh database owned by our role; returns its URL (with the password). `durable`: commits
   * wait for their WAL to be written (scripts/start-postgres.sh runs the server with
   * synchronous_commit=off, which loses the last commits when the server is killed).
   */
  async createDatabase(label: string, options: { durable?: boolean } = {}): Promise<string> {
    const name = `rel_${label}_${randomBytes(3).toString("hex")}`;
    await this.admin((c) => c.query(`CREATE DATABASE "${name}"${this.roleCreated ? ` OWNER "${this.role}"` : ""}`));
    if (options.durable) await this.admin((c) => c.query(`ALTER DATABASE "${name}" SET synchronous_commit = on`));
    this.databases.push(name);
    return this.urlOf(name);
  }

  /** Stops the server: "fast" rolls back open transactions and closes connections; "immediate" is a crash. */
  stop(mode: "fast" | "immediate" = "fast"): void {
    if (!this.dir) throw new Error("only a throw-away server can be stopped");
    asPostgresUser(path.join(pgBin(), "pg_ctl"), ["-D", this.dir, "-m", mode, "-w", "-t", "60", "stop"]);
  }

  start(): void {
    if (!this.dir) throw new Error("only a throw-away server can be started");
    execFileSync(START, [this.dir, String(this.port)], { encoding: "utf8" });
  }

  running(): boolean {
    return this.dir ? existsSync(path.join(this.dir, "postmaster.pid")) : true;
  }

  async close(): Promise<void> {
    if (this.dir) {
      try {
        execFileSync(STOP, [this.dir, "--remove"], { stdio: "ignore" });
      } catch {
        rmSync(this.dir, { recursive: true, force: true });
      }
      return;
    }
    await this.admin(async (c) => {
      for (const name of this.databases) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      if (this.roleCreated) await c.query(`DROP ROLE IF EXISTS "${this.role}"`).catch(() => undefined);
    }).catch(() => undefined);
  }
}
