/**
 * npm run bench:usage — usage records ingested per second through POST /api/v1/usage on
 * PostgreSQL, in batches of 1,000 over 10,000 accounts (goal ≥ 20,000/s): this version against a
 * previous one and against the write floor, in one run, on one server.
 *
 *   npm run bench:usage [-- --baseline <git ref> | --no-baseline] [--new <git ref>] [--rounds 20] [--batches 10] [--clients 1,2]
 *
 * - previous: the version at `--baseline` (by default BASELINE_REF, the last commit before the
 *   usage batch writer moved into src/ledger), checked out in a temporary git worktree that
 *   borrows this checkout's node_modules (offline; its Prisma client is generated from its own
 *   schema). new: this working tree, or `--new <ref>` checked out the same way.
 * - Each version's usage API runs in a child process of its own (this file with `--serve`), on
 *   a database of its own on the same PostgreSQL server, seeded alike, and receives the same
 *   batches. The figures are the server's: this process is the gateway.
 * - floor: the same usage rows, entries and balance updates written by one INSERT … SELECT FROM
 *   unnest(…) per table and one UPDATE … FROM unnest(…) for the balances, in one transaction per
 *   batch, with no lock, no read and no check, on a third database. new / floor is the ratio to
 *   watch (goal ≥ 0.5): an absolute rate moves by ±30% on this shared machine, a ratio does not.
 * - Rounds alternate between the three (in a rotating order), so that a noisy spell of the
 *   machine hits all of them.
 * - Checks: every batch accepted whole, replayed batches recognised as duplicates, usage rows
 *   and entries counted, and reconcile clean, on every database.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
// Types only: values from src are imported when needed, so that `--serve` loads the version it serves and nothing else.
import type { Database, PrismaClient } from "../src/db/index.ts";
import { benchServer, postgresCpuMs, processCpuMs } from "./throwawayPostgres.ts";

/** The last commit before the usage batch writer moved into src/ledger (issue 12). */
const BASELINE_REF = "72a93f4f6d3b5ee10d6750d203b06d2b29a2e116";
const ACCOUNTS = 10_000;
const BATCH = 1_000;
const WARMUP_BATCHES = 20;
const REPLAY_BATCHES = 10;
const BASELINE_RECORDS = Number(process.env.BENCH_BASELINE_RECORDS ?? 1_000);
const GOAL = 20_000;
const SELF = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(SELF), "..");

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

if (args.includes("--serve")) await serve(option("root")!);
else await bench();

/** The child: one version's usage API, as `npm run web` would serve it, on BENCH_DATABASE_URL. */
async function serve(root: string): Promise<void> {
  const load = (file: string) => import(pathToFileURL(path.join(root, file)).href);
  const [{ openDatabase }, { loadEnv }, { createServices }, { startWebServer }, { createLogger }] = await Promise.all(
    ["src/db/index.ts", "src/config/env.ts", "src/app/createServices.ts", "src/http/server.ts", "src/log.ts"].map(load),
  );
  const url = process.env.BENCH_DATABASE_URL!;
  const db = await openDatabase({ url, poolSize: 10 });
  await db.migrate();
  const env = loadEnv({ DATABASE_URL: url, API_KEYS: process.env.BENCH_API_KEY, LOG_LEVEL: "silent", USAGE_INGEST_PARALLEL: process.env.USAGE_INGEST_PARALLEL });
  const services = await createServices({ env, db, allowDemoMethods: true, migrate: false, log: createLogger({ level: "silent" }) });
  const web = await startWebServer(services, 0, "127.0.0.1");
  process.stdout.write(JSON.stringify({ port: web.port, parallel: env.USAGE_INGEST_PARALLEL }) + "\n");
  // The parent ends our standard input to stop us.
  process.stdin.resume();
  process.stdin.on("end", () => {
    void web
      .close()
      .then(() => db.close())
      .finally(() => process.exit(0));
  });
}

interface UsageJson {
  id: string;
  accountId: string;
  model: string;
  endpoint: string;
  inputTokens: number;
  outputTokens: number;
  cost: string;
  time: string;
}

interface Batch {
  records: UsageJson[];
  body: string;
}

interface Phase {
  seconds: number;
  nodeMs: number | null;
  postgresMs: number | null;
}

/** A version of the usage API, served by a child process. */
interface Server {
  label: string;
  child: ChildProcess;
  port: number;
  parallel: number;
  agent: Agent;
}

async function bench(): Promise<void> {
  const baselineRef = args.includes("--no-baseline") ? null : (option("baseline") ?? BASELINE_REF);
  const newRef = option("new") ?? null;
  const rounds = Number(option("rounds") ?? process.env.BENCH_ROUNDS ?? 20);
  const batchesPerPhase = Number(option("batches") ?? process.env.BENCH_BATCHES ?? 10);
  const clientCounts = (option("clients") ?? process.env.BENCH_CLIENTS ?? "1,2").split(",").map(Number);
  const key = `bench-${randomUUID()}`;

  const cleanups: (() => unknown)[] = [];
  const server = await benchServer();
  cleanups.push(() => server.close());
  let failed = false;
  try {
    const roots: { label: string; root: string; describe: string }[] = [];
    if (baselineRef) roots.push({ label: "previous", root: checkout(baselineRef, cleanups), describe: `${baselineRef} (${shortCommit(baselineRef)})` });
    roots.push(newRef ? { label: "new", root: checkout(newRef, cleanups), describe: `${newRef} (${shortCommit(newRef)})` } : { label: "new", root: REPO, describe: "this working tree" });

    const urls = new Map<string, string>();
    for (const { label } of roots) urls.set(label, await server.createDatabase(label));
    const floorUrl = await server.createDatabase("floor");

    // The floor runs in this process, with the working tree's database code.
    const { openDatabase } = await import("../src/db/index.ts");
    const { reconcile } = await import("../src/ledger/reconcile.ts");
    const { post } = await import("../src/ledger/postEntries.ts");

    const servers: Server[] = await Promise.all(roots.map(({ label, root }) => startServer(label, root, urls.get(label)!, key, cleanups)));
    // As the usage batch does for its transactions (set_config in its first statement): index
    // probes, never a sequential scan, for tables that only grow. Set before any session opens.
    const admin = new pg.Client({ connectionString: floorUrl });
    await admin.connect();
    await admin.query(`ALTER DATABASE "${new URL(floorUrl).pathname.slice(1)}" SET enable_seqscan = off`);
    await admin.end();
    const floorDb = await openDatabase({ url: floorUrl, poolSize: 4 });
    cleanups.push(() => floorDb.close());
    await floorDb.migrate();
    const dbs = new Map<string, Database>([["floor", floorDb]]);
    for (const s of servers) {
      const db = await openDatabase({ url: urls.get(s.label)!, poolSize: 2 });
      cleanups.push(() => db.close());
      dbs.set(s.label, db);
    }

    console.log(`seeding ${ACCOUNTS} accounts with $1,000 of principal each, in ${dbs.size} databases…`);
    const accountIds = Array.from({ length: ACCOUNTS }, () => randomUUID()).sort();
    for (const db of dbs.values()) await seedAccounts(db.prisma, accountIds);
    const floor = floorWriter(floorDb, accountIds);

    let sequence = 0;
    const makeBatch = (): Batch => {
      const records = Array.from({ length: BATCH }, () => {
        const n = sequence++;
        return {
          id: `bench-${n}`,
          accountId: accountIds[Math.floor(Math.random() * ACCOUNTS)],
          model: "gpt-4o-mini",
          endpoint: "/v1/chat/completions",
          inputTokens: 1000 + (n % 500),
          outputTokens: 200 + (n % 300),
          cost: String(100 + (n % 5000)),
          time: new Date().toISOString(),
        };
      });
      return { records, body: JSON.stringify({ records }) };
    };

    const runServer = async (s: Server, batches: Batch[], clients: number): Promise<Phase> => {
      const database = new URL(urls.get(s.label)!).pathname.slice(1);
      return timed(processCpuMsOf(s.child), database, async () => {
        let next = 0;
        await Promise.all(
          Array.from({ length: clients }, async () => {
            while (next < batches.length) {
              const { status, json } = await postBatch(s, batches[next++].body, key);
              if (status !== 200 || json.counts?.accepted !== BATCH) throw new Error(`${s.label}: unexpected answer ${status}: ${JSON.stringify(json).slice(0, 300)}`);
            }
          }),
        );
      });
    };
    const runFloor = async (batches: Batch[], clients: number): Promise<Phase> => {
      // What the floor writes is computed before the clock starts: it measures the database.
      const planned = batches.map((b) => floor.plan(b.records));
      const database = new URL(floorUrl).pathname.slice(1);
      return timed(() => processCpuMs(process.pid), database, async () => {
        let next = 0;
        await Promise.all(
          Array.from({ length: clients }, async () => {
            while (next < planned.length) await floor.write(planned[next++]);
          }),
        );
      });
    };

    console.log(`warming up: ${WARMUP_BATCHES} batches each…`);
    for (let i = 0; i < WARMUP_BATCHES; i++) {
      const batch = makeBatch();
      for (const s of servers) await runServer(s, [batch], 1);
      await runFloor([batch], 1);
    }

    const variants = [...servers.map((s) => s.label), "floor"];
    const results = new Map<string, Map<string, Phase[]>>(clientCounts.map((c) => [String(c), new Map(variants.map((v) => [v, []]))]));
    const replayBodies: Batch[] = [];
    let measuredBatches = 0;
    console.log(`measuring: ${rounds} rounds of ${batchesPerPhase} batches per version and client count, alternating…`);
    for (const clients of clientCounts) {
      for (let round = 0; round < rounds; round++) {
        // Bodies are built before the clock starts: the gateway's JSON is not ours to time.
        const batches = Array.from({ length: batchesPerPhase }, makeBatch);
        if (replayBodies.length < REPLAY_BATCHES) replayBodies.push(batches[0]);
        measuredBatches += batches.length;
        const order = variants.map((_, i) => variants[(i + round) % variants.length]);
        for (const variant of order) {
          const s = servers.find((x) => x.label === variant);
          const phase = s ? await runServer(s, batches, clients) : await runFloor(batches, clients);
          results.get(String(clients))!.get(variant)!.push(phase);
        }
      }
    }

    // Re-sending batches must debit nothing more: time the duplicate path too, alternating.
    const replaySeconds = new Map(servers.map((s) => [s.label, 0]));
    for (const [i, batch] of replayBodies.entries()) {
      for (const s of i % 2 ? [...servers].reverse() : servers) {
        const started = performance.now();
        const { json } = await postBatch(s, batch.body, key);
        replaySeconds.set(s.label, replaySeconds.get(s.label)! + (performance.now() - started) / 1000);
        if (json.counts?.accepted !== 0 || json.counts?.duplicates !== BATCH) throw new Error(`${s.label}: a replayed batch was debited again`);
      }
    }
    const replay = new Map([...replaySeconds].map(([label, seconds]) => [label, (replayBodies.length * BATCH) / seconds]));

    // The ledger's own per-record path (one posting per record), on the new version's database.
    const newDb = dbs.get("new")!;
    const postStarted = performance.now();
    for (let i = 0; i < BASELINE_RECORDS; i++) {
      await post(newDb.prisma, {
        idempotencyKey: `baseline:${i}`,
        lines: [{ accountId: accountIds[Math.floor(Math.random() * ACCOUNTS)], type: "api_usage", amount: -BigInt(100 + i) }],
        actor: { type: "system", id: "bench" },
      });
    }
    const perRecord = BASELINE_RECORDS / ((performance.now() - postStarted) / 1000);

    const expectedRows = (WARMUP_BATCHES + measuredBatches) * BATCH;
    const checks: string[] = [];
    for (const [label, db] of dbs) {
      const report = await reconcile(db.prisma);
      const rows = await db.prisma.usageRecord.count();
      const entries = await db.prisma.ledgerEntry.count({ where: { type: "api_usage" } });
      // Every cost here is above zero and every account holds principal only: one entry per record.
      const expectedEntries = expectedRows + (label === "new" ? BASELINE_RECORDS : 0);
      const ok = report.mismatches.length === 0 && rows === expectedRows && entries === expectedEntries;
      if (!ok) failed = true;
      checks.push(
        `${label}: usage rows ${fmt(rows)}${rows === expectedRows ? "" : ` (expected ${fmt(expectedRows)})`}, api_usage entries ${fmt(entries)}${entries === expectedEntries ? "" : ` (expected ${fmt(expectedEntries)})`}, reconcile ${report.mismatches.length === 0 ? "clean" : `${report.mismatches.length} MISMATCHES`}`,
      );
    }

    const rateOf = (phases: Phase[]) => (phases.length * batchesPerPhase * BATCH) / phases.reduce((t, p) => t + p.seconds, 0);
    const perBatch = (phases: Phase[], pick: (p: Phase) => number | null) => {
      const values = phases.map(pick);
      return values.some((v) => v === null) ? null : values.reduce<number>((t, v) => t + v!, 0) / (phases.length * batchesPerPhase);
    };
    const ratioRange = (a: Phase[], b: Phase[]) => {
      const ratios = a.map((p, i) => b[i].seconds / p.seconds).sort((x, y) => x - y);
      const middle = ratios.length / 2;
      const median = ratios.length % 2 ? ratios[Math.floor(middle)] : (ratios[middle - 1] + ratios[middle]) / 2;
      return `${ratios[0].toFixed(2)}–${ratios.at(-1)!.toFixed(2)}, median ${median.toFixed(2)}`;
    };

    console.log("");
    console.log(
      `usage ingestion on PostgreSQL: batches of ${fmt(BATCH)} over ${fmt(ACCOUNTS)} accounts, ${servers[0].parallel} transaction(s) per batch; ` +
        `${rounds} rounds × ${fmt(batchesPerPhase * BATCH)} records per version and client count, alternating`,
    );
    for (const r of roots) console.log(`  ${r.label.padEnd(8)} = ${r.describe}`);
    console.log(`  floor    = one INSERT … SELECT FROM unnest per table, one UPDATE … FROM unnest for balances, no checks`);
    let best = 0;
    for (const clients of clientCounts) {
      const byVariant = results.get(String(clients))!;
      const rates = new Map(variants.map((v) => [v, rateOf(byVariant.get(v)!)]));
      best = Math.max(best, rates.get("new")!);
      const newVsFloor = rates.get("new")! / rates.get("floor")!;
      console.log(`  ${clients} client${clients > 1 ? "s" : " "}:`);
      for (const v of variants) {
        const phases = byVariant.get(v)!;
        const node = perBatch(phases, (p) => p.nodeMs);
        const postgres = perBatch(phases, (p) => p.postgresMs);
        const cpu = `CPU per batch: ${v === "floor" ? "writer" : "server"} Node ${node === null ? "?" : `${node.toFixed(1)} ms`}, PostgreSQL ${postgres === null ? "?" : `${postgres.toFixed(1)} ms`}`;
        console.log(`    ${v.padEnd(8)} ${fmt(rates.get(v)!).padStart(7)} records/s   (${cpu})`);
      }
      if (byVariant.has("previous")) {
        console.log(`    new / previous: ${(rates.get("new")! / rates.get("previous")!).toFixed(2)}  (per round: ${ratioRange(byVariant.get("new")!, byVariant.get("previous")!)})`);
        console.log(`    previous / floor: ${(rates.get("previous")! / rates.get("floor")!).toFixed(2)}`);
      }
      console.log(`    new / floor: ${newVsFloor.toFixed(2)}  (per round: ${ratioRange(byVariant.get("new")!, byVariant.get("floor")!)}; goal ≥ 0.5: ${newVsFloor >= 0.5 ? "met" : "NOT met"})`);
    }
    console.log(`  floor deadlocks retried: ${floor.deadlocks()}`);
    for (const [label, rate] of replay) console.log(`  replayed batches, ${label.padEnd(8)}: ${fmt(rate)} records/s recognised as duplicates`);
    console.log(`  per record, post() each: ${fmt(perRecord)} records/s (${fmt(BASELINE_RECORDS)} records); best batched new / post(): ${(best / perRecord).toFixed(1)}×`);
    console.log(`  goal ${fmt(GOAL)}/s: ${best >= GOAL ? "met" : "NOT met"} (${(best / GOAL).toFixed(2)}× the goal)`);
    for (const line of checks) console.log(`  ${line}`);
  } catch (err) {
    failed = true;
    console.error(err);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        console.error("cleanup:", err);
      }
    }
  }
  if (failed) process.exitCode = 1;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function shortCommit(ref: string): string {
  return execFileSync("git", ["-C", REPO, "rev-parse", "--short", `${ref}^{commit}`], { encoding: "utf8" }).trim();
}

/**
 * A temporary git worktree of `ref`, with this checkout's node_modules and its own Prisma client
 * (generated offline from its schema); removed on cleanup.
 */
function checkout(ref: string, cleanups: (() => unknown)[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-usage-worktree-"));
  cleanups.push(() => {
    try {
      execFileSync("git", ["-C", REPO, "worktree", "remove", "--force", dir], { stdio: "ignore" });
    } catch {
      // It was never added; the directory goes all the same.
    }
    rmSync(dir, { recursive: true, force: true });
  });
  execFileSync("git", ["-C", REPO, "worktree", "add", "--detach", "--quiet", dir, ref], { stdio: ["ignore", "ignore", "inherit"] });
  symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
  try {
    execFileSync(process.execPath, ["scripts/generate-client.mjs"], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    throw new Error(`generating the Prisma client of ${ref} failed: ${(err as { stderr?: string }).stderr ?? err}`);
  }
  return dir;
}

async function startServer(label: string, root: string, url: string, key: string, cleanups: (() => unknown)[]): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", SELF, "--serve", "--root", root], {
    cwd: REPO,
    env: { ...process.env, BENCH_DATABASE_URL: url, BENCH_API_KEY: key },
    stdio: ["pipe", "pipe", "inherit"],
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.stdin!.end();
      }),
  );
  const ready = await new Promise<{ port: number; parallel: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => resolve(JSON.parse(line)));
    child.once("exit", (code) => reject(new Error(`the ${label} server exited (${code}) before it listened`)));
  });
  // The gateway's side: node:http over kept-alive connections, which costs less CPU than fetch.
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  cleanups.push(() => agent.destroy());
  return { label, child, port: ready.port, parallel: ready.parallel, agent };
}

function postBatch(s: Server, body: string, key: string): Promise<{ status: number; json: { counts?: { accepted: number; duplicates: number } } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: s.port, path: "/api/v1/usage", method: "POST", agent: s.agent, headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function processCpuMsOf(child: ChildProcess): () => number | null {
  return () => (child.pid === undefined ? null : processCpuMs(child.pid));
}

async function timed(cpu: () => number | null, database: string, work: () => Promise<void>): Promise<Phase> {
  const nodeBefore = cpu();
  const postgresBefore = postgresCpuMs(database);
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const nodeAfter = cpu();
  const postgresAfter = postgresCpuMs(database);
  return {
    seconds,
    nodeMs: nodeBefore === null || nodeAfter === null ? null : nodeAfter - nodeBefore,
    postgresMs: postgresBefore === null || postgresAfter === null ? null : postgresAfter - postgresBefore,
  };
}

/** Free text as an element of an array literal. */
function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, "\\$&")}"`;
}

function literal(values: readonly (string | number)[]): string {
  return `{${values.join(",")}}`;
}

/**
 * The write floor: what a batch writes, with nothing else. It keeps the balances itself (it is
 * the only writer of its database), so its entries carry the same running balances as a real
 * batch's; the cached balances move by a delta, so that two writers at once stay consistent.
 */
function floorWriter(db: Database, accountIds: string[]) {
  const balances = new Map(accountIds.map((id) => [id, 1_000_000_000n]));
  let deadlocks = 0;
  return {
    deadlocks: () => deadlocks,
    plan(records: UsageJson[]): unknown[][] {
      const zeros = records.map(() => 0);
      const usage = [records.map((r) => quoted(r.id)), records.map((r) => r.accountId), records.map((r) => quoted(r.model)), records.map((r) => quoted(r.endpoint)), records.map((r) => r.inputTokens), records.map((r) => r.outputTokens), zeros, zeros, records.map((r) => r.cost), records.map((r) => r.time)].map(literal);
      const after: string[] = [];
      const delta = new Map<string, bigint>();
      for (const r of records) {
        const balance = balances.get(r.accountId)! - BigInt(r.cost);
        balances.set(r.accountId, balance);
        after.push(balance.toString());
        delta.set(r.accountId, (delta.get(r.accountId) ?? 0n) - BigInt(r.cost));
      }
      const entries = [records.map((r) => quoted(r.id)), records.map((r) => r.accountId), records.map((r) => quoted(r.model)), records.map((r) => quoted(r.endpoint)), records.map((r) => `-${r.cost}`), after].map(literal);
      const touched = [...delta.keys()].sort();
      return [usage, [`floor-batch:${randomUUID()}`], entries, [literal(touched), literal(touched.map((a) => delta.get(a)!.toString()))]];
    },
    async write([usage, posting, entries, cached]: unknown[][]): Promise<void> {
      for (;;) {
        try {
          await db.driver.transaction!(async (s) => {
            await s.query(
              `INSERT INTO "usage_records" ("recordId", "accountId", "model", "endpoint", "inputTokens", "outputTokens", "cachedTokens", "calls", "cost", "occurredAt")
               SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::int[], $9::bigint[], $10::timestamptz[])`,
              usage,
            );
            const [{ id }] = (await s.query(`INSERT INTO "postings" ("idempotencyKey", "requestHash") VALUES ($1, 'floor') RETURNING "id"`, posting)) as { id: string }[];
            await s.query(
              `INSERT INTO "ledger_entries" ("postingId", "accountId", "type", "bucket", "amount", "balanceAfter", "bucketBalanceAfter",
                                             "actorType", "actorId", "reference", "memo", "idempotencyKey")
               SELECT $1::bigint, a, 'api_usage', 'principal', amt, ba, ba, 'system', 'bench-floor', id, left(m || ' ' || e, 400), 'usage:' || id || '#0'
               FROM unnest($2::text[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::bigint[]) AS t(id, a, m, e, amt, ba)`,
              [id, ...entries],
            );
            await s.query(
              `UPDATE "balances" SET "amount" = "balances"."amount" + t.d, "updatedAt" = now()
               FROM unnest($1::uuid[], $2::bigint[]) AS t(a, d)
               WHERE "balances"."accountId" = t.a AND "balances"."bucket" = 'principal'`,
              cached,
            );
          });
          return;
        } catch (err) {
          // Two floor writers on overlapping accounts, with nothing to order their locks.
          if ((err as { code?: string }).code !== "40P01") throw err;
          deadlocks++;
        }
      }
    },
  };
}

/** 10,000 accounts, each credited $1,000 by one seed posting, written with set-based SQL. */
async function seedAccounts(prisma: PrismaClient, ids: string[]): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`INSERT INTO "accounts" ("id", "lowBalanceThreshold") SELECT id, 5000000 FROM unnest($1::uuid[]) AS t(id)`, ids);
    const [posting] = await tx.$queryRawUnsafe<{ id: bigint }[]>(`INSERT INTO "postings" ("idempotencyKey", "requestHash") VALUES ('bench:seed', 'bench') RETURNING "id"`);
    await tx.$executeRawUnsafe(
      `INSERT INTO "ledger_entries" ("postingId", "accountId", "type", "bucket", "amount", "balanceAfter", "bucketBalanceAfter", "actorType", "actorId", "idempotencyKey")
       SELECT $1::bigint, id, 'admin_adjustment', 'principal', 1000000000, 1000000000, 1000000000, 'system', 'bench', 'bench:seed#' || n
       FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, n)`,
      String(posting.id),
      ids,
    );
    await tx.$executeRawUnsafe(`INSERT INTO "balances" ("accountId", "bucket", "amount") SELECT id, 'principal', 1000000000 FROM unnest($1::uuid[]) AS t(id)`, ids);
  });
  await prisma.$executeRawUnsafe(`ANALYZE`);
}
