import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { PRISMA_MIGRATION_LOCK_KEY } from "../../src/db/driver.ts";
import { openDatabase, type Database } from "../../src/db/index.ts";
import { migrate, MigrationError, MIGRATIONS_DIR } from "../../src/db/migrate.ts";
import { createTestDatabaseUrl, onPostgres } from "../helpers/db.ts";

interface MigrationRow extends Record<string, unknown> {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

const folders = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

const opened: Database[] = [];
const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A database nobody has migrated yet, on this project's back end. */
async function freshDatabase(url?: string): Promise<Database> {
  const db = onPostgres ? await openDatabase({ url: url ?? (await createTestDatabaseUrl()), poolSize: 3 }) : await openDatabase({ dataDir: "memory://" });
  opened.push(db);
  return db;
}

const rowsOf = (db: Database) =>
  db.driver.withSession((s) => s.query<MigrationRow>(`SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name`));

const tableExists = async (db: Database, table: string) =>
  (await db.driver.withSession((s) => s.query<{ found: string | null }>(`SELECT to_regclass($1)::text AS found`, [table])))[0].found !== null;

/** A copy of the real migrations plus extra ones, for failures we must not commit. */
function migrationsWith(extra: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cd-migrations-"));
  tempDirs.push(dir);
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

describe("the migrator", () => {
  it("records each migration in _prisma_migrations the way Prisma does", async () => {
    const db = await freshDatabase();
    const before = new Date(Date.now() - 1000);
    const result = await db.migrate();
    expect(result.applied).toEqual(folders);

    const rows = await rowsOf(db);
    expect(rows.map((r) => r.migration_name)).toEqual(folders);
    for (const row of rows) {
      const file = readFileSync(path.join(MIGRATIONS_DIR, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(file).digest("hex"));
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.started_at.getTime()).toBeGreaterThanOrEqual(before.getTime());
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    }
    expect(await tableExists(db, "ledger_entries")).toBe(true);
  });

  it("does nothing on a second run", async () => {
    const db = await freshDatabase();
    await db.migrate();
    const rows = await rowsOf(db);
    const again = await db.migrate();
    expect(again).toEqual({ applied: [], alreadyApplied: folders, modified: [] });
    expect(await rowsOf(db)).toEqual(rows);
  });

  it("applies only what is new, in name order", async () => {
    const db = await freshDatabase();
    await db.migrate();
    const dir = migrationsWith({
      "29990101000001_second": `ALTER TABLE "later_one" ADD COLUMN "b" INTEGER;`,
      "29990101000000_first": `CREATE TABLE "later_one" ("a" INTEGER);`,
    });
    const result = await migrate(db.driver, dir);
    expect(result.applied).toEqual(["29990101000000_first", "29990101000001_second"]);
    expect(result.alreadyApplied).toEqual(folders);
    expect((await rowsOf(db)).map((r) => r.migration_name)).toEqual([...folders, "29990101000000_first", "29990101000001_second"]);
  });

  it("rolls a failing migration back, records it with its logs, stops, and blocks the next run", async () => {
    const db = await freshDatabase();
    const dir = migrationsWith({
      "29990101000000_broken": `CREATE TABLE "half_done" ("id" INTEGER);\nINSERT INTO "no_such_table" VALUES (1);\n`,
      "29990101000001_after": `CREATE TABLE "after_broken" ("id" INTEGER);\n`,
    });
    const failure = await migrate(db.driver, dir).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).migration).toBe("29990101000000_broken");

    // Everything before it stays applied; its own first statement is rolled back.
    expect(await tableExists(db, "ledger_entries")).toBe(true);
    expect(await tableExists(db, "half_done")).toBe(false);
    expect(await tableExists(db, "after_broken")).toBe(false);

    const rows = await rowsOf(db);
    expect(rows.map((r) => r.migration_name)).toEqual([...folders, "29990101000000_broken"]);
    const broken = rows.at(-1)!;
    expect(broken.finished_at).toBeNull();
    expect(broken.rolled_back_at).toBeNull();
    expect(broken.applied_steps_count).toBe(0);
    expect(broken.logs).toContain("no_such_table");

    const blocked = migrate(db.driver, dir);
    await expect(blocked).rejects.toBeInstanceOf(MigrationError);
    await expect(blocked).rejects.toThrow(/29990101000000_broken/);
    expect(await tableExists(db, "after_broken")).toBe(false);
    expect(await rowsOf(db)).toHaveLength(folders.length + 1);
  });

  it("notices an applied migration whose file changed since", async () => {
    const db = await freshDatabase();
    const dir = migrationsWith({ "29990101000000_edited": `CREATE TABLE "edited" ("id" INTEGER);\n` });
    await migrate(db.driver, dir);
    writeFileSync(path.join(dir, "29990101000000_edited", "migration.sql"), `CREATE TABLE "edited" ("id" BIGINT);\n`);
    const result = await migrate(db.driver, dir);
    expect(result.applied).toEqual([]);
    expect(result.modified).toEqual(["29990101000000_edited"]);
  });

  it("applies once when two migrations of one process start together", async () => {
    const db = await freshDatabase();
    const [a, b] = await Promise.all([db.migrate(), db.migrate()]);
    expect([...a.applied, ...b.applied]).toEqual(folders);
    expect(await rowsOf(db)).toHaveLength(folders.length);
  });
});

describe.skipIf(!onPostgres)("the migrator across processes (PostgreSQL)", () => {
  it("lets two migrators on separate pools both succeed, applying each migration once", async () => {
    const url = await createTestDatabaseUrl();
    const first = await freshDatabase(url);
    const second = await freshDatabase(url);
    const [a, b] = await Promise.all([first.migrate(), second.migrate()]);
    expect([...a.applied, ...b.applied].sort()).toEqual(folders);
    expect([...a.alreadyApplied, ...b.alreadyApplied].sort()).toEqual(folders);
    const rows = await rowsOf(first);
    expect(rows.map((r) => r.migration_name)).toEqual(folders);
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });

  it("waits for Prisma's advisory lock before touching anything", async () => {
    const url = await createTestDatabaseUrl();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATION_LOCK_KEY]);
      const db = await freshDatabase(url);
      let settled = false;
      const running = db.migrate().finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 500));
      expect(settled).toBe(false);
      const table = await holder.query(`SELECT to_regclass('"_prisma_migrations"')::text AS found`);
      expect(table.rows[0].found).toBeNull();
      await holder.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATION_LOCK_KEY]);
      expect((await running).applied).toEqual(folders);
    } finally {
      await holder.end();
    }
  });
});
