import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PGlite, types } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/index.ts";
import { isUniqueViolation } from "../../src/db/uniqueViolation.ts";
import { DEFAULT_WORKER_NICE, PGliteThread } from "../../src/db/pgliteThread.ts";
import { onPostgres } from "../helpers/db.ts";

const SAMPLE = `
  SELECT 1::int2 AS i2, 2::int4 AS i4, 9007199254740993::int8 AS big, 3::int8 AS small, 1.5::float8 AS f, 12.340::numeric AS n,
         true AS yes, 'tëxt'::text AS t, NULL::text AS nothing, '2026-11-29 17:00:00.123+00'::timestamptz AS at, '2026-11-29'::date AS d,
         '{"a":[1,2]}'::jsonb AS j, '\\x00ff10'::bytea AS bin, ARRAY[1,2,3]::int4[] AS ints, ARRAY['a','b,c',NULL]::text[] AS texts,
         ARRAY['2026-01-01 00:00:00+00']::timestamptz[] AS times, gen_random_uuid() IS NOT NULL AS uuid_ok, $1::text AS p1, $2::int8 AS p2, $3::jsonb AS p3, $4::bytea AS p4`;
const PARAMS = ["param", 123n, { k: "v" }, new Uint8Array([1, 2, 3])];
// As pglite-prisma-adapter asks: rows as arrays, and parsers of its own for some types.
const CUSTOM = { [types.INT8]: (x: string) => x, [types.TIMESTAMPTZ]: (x: string) => `tz:${x}`, [types.BYTEA]: (x: string) => `bytes:${x}` };

describe.skipIf(onPostgres)("PGlite in a worker thread", () => {
  let thread: PGliteThread;
  let inline: PGlite;
  beforeAll(async () => {
    [thread, inline] = await Promise.all([PGliteThread.start("memory://"), PGlite.create("memory://")]);
  });
  afterAll(async () => {
    await thread?.close();
    await inline?.close();
  });

  it("answers exactly as PGlite in-process: values, parsers, row modes, several statements", async () => {
    for (const options of [undefined, { rowMode: "array" as const }, { rowMode: "array" as const, parsers: CUSTOM }, { parsers: CUSTOM }]) {
      const [ours, theirs] = await Promise.all([thread.query(SAMPLE, PARAMS, options), inline.query(SAMPLE, PARAMS, options)]);
      const stable = (r: typeof ours) => ({ ...r, rows: r.rows.map((row) => JSON.parse(JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)))) });
      expect(stable(ours)).toEqual(stable(theirs));
      expect(ours.rows.length).toBe(1);
    }
    const [row] = (await thread.query<Record<string, unknown>>(SAMPLE, PARAMS)).rows;
    expect(row).toMatchObject({ i4: 2, big: 9007199254740993n, small: 3, yes: true, nothing: null, ints: [1, 2, 3], texts: ["a", "b,c", null], p2: 123, p3: { k: "v" } });
    expect(row.at).toEqual(new Date("2026-11-29T17:00:00.123Z"));
    expect(row.bin).toEqual(new Uint8Array([0, 255, 16]));

    const script = "CREATE TEMP TABLE s (n int); INSERT INTO s VALUES (1), (2); UPDATE s SET n = n + 1; SELECT n FROM s ORDER BY n";
    const [a, b] = await Promise.all([thread.exec(script), inline.exec(script)]);
    expect(a).toEqual(b);
    expect(a.map((r) => r.affectedRows)).toEqual([0, 2, 4, 4]);
  });

  it("reports PostgreSQL's errors as PGlite's DatabaseError, with the query, and stays usable", async () => {
    await thread.exec("CREATE TABLE uniq (id int PRIMARY KEY)");
    await thread.query("INSERT INTO uniq VALUES ($1)", [1]);
    const err = await thread.query("INSERT INTO uniq VALUES ($1)", [1]).catch((e: unknown) => e);
    const theirs = await inline.exec("CREATE TABLE uniq (id int PRIMARY KEY); INSERT INTO uniq VALUES (1)").then(() => inline.query("INSERT INTO uniq VALUES ($1)", [1]).catch((e: unknown) => e));
    expect(err).toBeInstanceOf((await import("@electric-sql/pglite")).messages.DatabaseError);
    expect(err).toMatchObject({ code: "23505", severity: "ERROR", constraint: "uniq_pkey", table: "uniq", query: "INSERT INTO uniq VALUES ($1)", params: [1] });
    expect((err as Error).message).toBe((theirs as Error).message);
    expect((err as { detail: string }).detail).toBe((theirs as { detail: string }).detail);
    await expect(thread.exec("SELECT * FROM missing")).rejects.toMatchObject({ code: "42P01" });
    expect((await thread.query<{ n: number }>("SELECT count(*)::int AS n FROM uniq")).rows).toEqual([{ n: 1 }]);
  });

  it("runs a transaction alone: others wait for its COMMIT, a throw or tx.rollback() undoes it", async () => {
    await thread.exec("CREATE TABLE tx_t (n int)");
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const tx = thread.transaction(async (t) => {
      await t.query("INSERT INTO tx_t VALUES (1)");
      order.push("tx wrote");
      await held;
      await t.query("INSERT INTO tx_t VALUES (2)");
      order.push("tx done");
      return "committed";
    });
    await new Promise((r) => setTimeout(r, 50));
    const outside = thread.query<{ n: number }>("SELECT count(*)::int AS n FROM tx_t").then((r) => {
      order.push("outside read");
      return r.rows[0].n;
    });
    await new Promise((r) => setTimeout(r, 100));
    release();
    expect(await tx).toBe("committed");
    expect(await outside).toBe(2);
    expect(order).toEqual(["tx wrote", "tx done", "outside read"]);

    await expect(
      thread.transaction(async (t) => {
        await t.query("INSERT INTO tx_t VALUES (3)");
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    await thread.transaction(async (t) => {
      await t.query("INSERT INTO tx_t VALUES (4)");
      await t.rollback();
    });
    // A statement failed inside, the callback swallowed it: COMMIT is a ROLLBACK, and says so.
    await expect(
      thread.transaction(async (t) => {
        await t.query("INSERT INTO tx_t VALUES (5)");
        await t.query("SELECT * FROM missing").catch(() => undefined);
      }),
    ).rejects.toMatchObject({ code: "25P02" });
    expect((await thread.query<{ n: number }>("SELECT n FROM tx_t ORDER BY n")).rows.map((r) => r.n)).toEqual([1, 2]);
  });

  it("keeps the event loop free while PostgreSQL works", async () => {
    let maxLag = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - last - 5);
      last = now;
    }, 5);
    const started = performance.now();
    await thread.query("SELECT count(*) FROM generate_series(1, 3000000) AS g, LATERAL (SELECT md5(g::text)) AS m");
    const took = performance.now() - started;
    clearInterval(timer);
    expect(took).toBeGreaterThan(200);
    // In-process, the timer could not fire for the whole query.
    expect(maxLag).toBeLessThan(took / 3);
  });

  it("closes after the transaction in flight, then refuses work, and its worker ends", async () => {
    const own = await PGliteThread.start("memory://");
    let finished = false;
    const tx = own.transaction(async (t) => {
      await new Promise((r) => setTimeout(r, 100));
      await t.query("SELECT 1");
      finished = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    await own.close();
    await tx;
    expect(finished).toBe(true);
    expect(own.closed).toBe(true);
    await expect(own.query("SELECT 1")).rejects.toThrow("the database is closed");
    await own.close();
  });
});

describe.skipIf(onPostgres)("openDatabase on PGlite (worker thread)", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({ dataDir: "memory://" });
    await db.migrate();
  });
  afterAll(() => db?.close());

  it("serves Prisma, its interactive transactions and the SqlDriver", async () => {
    const account = await db.prisma.account.create({ data: { lowBalanceThreshold: 5n } });
    expect((await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } })).lowBalanceThreshold).toBe(5n);
    const dup = await db.prisma.account.create({ data: { id: account.id } }).catch((e: unknown) => e);
    expect(isUniqueViolation(dup)).toBe(true);
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.account.update({ where: { id: account.id }, data: { locale: "zh-CN" } });
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect((await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } })).locale).toBe("en");
    const rows = await db.driver.withSession((s) => s.query<{ id: string }>(`SELECT "id"::text AS "id" FROM "accounts"`));
    expect(rows).toEqual([{ id: account.id }]);
    expect((await db.migrate()).applied).toEqual([]);
  });

  it.skipIf(process.platform !== "linux")("runs the database on a thread that yields the CPU to the event loop's (nice +5)", () => {
    const niceOf = (task: string) => {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
    };
    const main = niceOf(String(process.pid));
    const others = readdirSync("/proc/self/task").filter((t) => t !== String(process.pid)).map(niceOf);
    expect(others).toContain(Math.min(19, main + DEFAULT_WORKER_NICE));
  });
});

describe.skipIf(onPostgres)("a process with PGlite in a worker thread", () => {
  const SCRIPT = fileURLToPath(new URL("./pgliteExit.ts", import.meta.url));
  const run = (mode: "close" | "leave") =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, mode], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });

  it("ends by itself after close, with no process.exit", async () => {
    expect(await run("close")).toEqual({ code: 0, out: "42\n" });
  });

  it("ends by itself even when nobody closes the database: an idle worker holds nothing up", async () => {
    expect(await run("leave")).toEqual({ code: 0, out: "42\n" });
  });
});
