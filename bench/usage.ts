/**
 * npm run bench:usage — usage records ingested per second through POST /api/v1/usage on
 * PostgreSQL, in batches of 1,000 over 10,000 accounts (goal ≥ 20,000/s). The baseline, in the
 * same run, is the ledger's own one-posting-per-transaction path (`post`) on the same database.
 */
import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { createServices } from "../src/app/createServices.ts";
import { loadEnv } from "../src/config/env.ts";
import { openDatabase } from "../src/db/index.ts";
import { startWebServer } from "../src/http/server.ts";
import { post } from "../src/ledger/postEntries.ts";
import { reconcile } from "../src/ledger/reconcile.ts";
import { createLogger } from "../src/log.ts";
import { benchDatabase, postgresCpuMs } from "./throwawayPostgres.ts";

const ACCOUNTS = 10_000;
const BATCH = 1_000;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 60);
const WARMUP_BATCHES = 20;
const BASELINE_RECORDS = Number(process.env.BENCH_BASELINE_RECORDS ?? 1_000);
/** Gateway replicas posting at once; each phase runs BATCHES batches. */
const CLIENTS = (process.env.BENCH_CLIENTS ?? "1,2").split(",").map(Number);
const GOAL = 20_000;
const KEY = `bench-${randomUUID()}`;

const target = await benchDatabase("usage");
const db = await openDatabase({ url: target.url, poolSize: 10 });
try {
  await db.migrate();
  const env = loadEnv({ DATABASE_URL: target.url, API_KEYS: KEY, LOG_LEVEL: "silent", USAGE_INGEST_PARALLEL: process.env.USAGE_INGEST_PARALLEL });
  const services = await createServices({ env, db, allowDemoMethods: true, migrate: false, log: createLogger({ level: "silent" }) });

  console.log(`seeding ${ACCOUNTS} accounts with $1,000 of principal each…`);
  const accountIds = await seedAccounts(db.prisma);

  const web = await startWebServer(services, 0, "127.0.0.1");
  const url = `http://127.0.0.1:${web.port}/api/v1/usage`;
  let sequence = 0;
  const batch = () =>
    JSON.stringify({
      records: Array.from({ length: BATCH }, () => {
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
      }),
    });
  // The gateway's side, on the same two cores: node:http over kept-alive connections, which costs
  // less CPU than fetch's web streams.
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const postBatch = (body: string) =>
    new Promise<{ status: number; json: { counts?: { accepted: number; duplicates: number } } }>((resolve, reject) => {
      const req = request(
        url,
        { method: "POST", agent, headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  const send = async (body: string) => {
    const { status, json } = await postBatch(body);
    if (status !== 200 || json.counts?.accepted !== BATCH) throw new Error(`unexpected answer ${status}: ${JSON.stringify(json).slice(0, 300)}`);
  };

  for (let i = 0; i < WARMUP_BATCHES; i++) await send(batch());
  const phases: { clients: number; rate: number; seconds: number; nodeMs: number; postgresMs: number | null }[] = [];
  const databaseName = new URL(target.url).pathname.slice(1);
  const replayBodies: string[] = [];
  for (const clients of CLIENTS) {
    // Bodies are built before the clock starts: the gateway's JSON is not ours to time.
    const bodies = Array.from({ length: BATCHES }, batch);
    replayBodies.push(...bodies.slice(0, 5));
    const started = performance.now();
    const nodeBefore = process.cpuUsage();
    const postgresBefore = postgresCpuMs(databaseName);
    let next = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < bodies.length) await send(bodies[next++]);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const node = process.cpuUsage(nodeBefore);
    const postgresAfter = postgresCpuMs(databaseName);
    phases.push({
      clients,
      seconds,
      rate: (BATCHES * BATCH) / seconds,
      // Node's figure includes this benchmark's own HTTP client (the gateway's side).
      nodeMs: (node.user + node.system) / 1000 / BATCHES,
      postgresMs: postgresBefore === null || postgresAfter === null ? null : (postgresAfter - postgresBefore) / BATCHES,
    });
  }
  const batched = Math.max(...phases.map((p) => p.rate));

  // Baseline: the ledger's per-record path (one transaction per record), with the same accounts.
  const baselineStarted = performance.now();
  for (let i = 0; i < BASELINE_RECORDS; i++) {
    await post(db.prisma, {
      idempotencyKey: `baseline:${i}`,
      lines: [{ accountId: accountIds[Math.floor(Math.random() * ACCOUNTS)], type: "api_usage", amount: -BigInt(100 + i) }],
      actor: { type: "system", id: "bench" },
      spendingOrder: env.SPENDING_ORDER,
    });
  }
  const baseline = BASELINE_RECORDS / ((performance.now() - baselineStarted) / 1000);

  // Re-sending the whole run must debit nothing more: time the duplicate path too.
  const replayStarted = performance.now();
  for (const body of replayBodies) {
    const { json } = await postBatch(body);
    if (json.counts?.accepted !== 0 || json.counts?.duplicates !== BATCH) throw new Error("a replayed batch was debited again");
  }
  const replay = (replayBodies.length * BATCH) / ((performance.now() - replayStarted) / 1000);

  const report = await reconcile(db.prisma);
  const rows = await db.prisma.usageRecord.count();
  agent.destroy();
  await web.close();

  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log("");
  console.log(`usage ingestion on PostgreSQL: batches of ${BATCH} over ${ACCOUNTS} accounts, ${fmt(BATCHES * BATCH)} records per phase, ${env.USAGE_INGEST_PARALLEL} transaction(s) per batch`);
  for (const p of phases) {
    const cpu = `CPU per batch: Node ${p.nodeMs.toFixed(1)} ms, PostgreSQL ${p.postgresMs === null ? "?" : `${p.postgresMs.toFixed(1)} ms`}`;
    console.log(`  batched HTTP, ${p.clients} client${p.clients > 1 ? "s" : " "}: ${fmt(p.rate)} records/s  (${p.seconds.toFixed(2)} s; ${cpu})`);
  }
  console.log(`  replayed batches       : ${fmt(replay)} records/s recognised as duplicates`);
  console.log(`  baseline, post() each  : ${fmt(baseline)} records/s  (${fmt(BASELINE_RECORDS)} records)`);
  console.log(`  ratio best/baseline    : ${(batched / baseline).toFixed(1)}×`);
  console.log(`  goal ${fmt(GOAL)}/s       : ${batched >= GOAL ? "met" : "NOT met"} (${(batched / GOAL).toFixed(2)}× the goal)`);
  console.log(`  usage rows ${fmt(rows)}, reconcile: ${report.mismatches.length === 0 ? "every balance equals its entries" : `${report.mismatches.length} MISMATCHES`}`);
  if (report.mismatches.length > 0 || rows !== (BATCHES * CLIENTS.length + WARMUP_BATCHES) * BATCH) process.exitCode = 1;
} finally {
  await db.close();
  await target.close();
}

/** 10,000 accounts, each credited $1,000 by one seed posting, written with set-based SQL. */
async function seedAccounts(prisma: typeof db.prisma): Promise<string[]> {
  const ids = Array.from({ length: ACCOUNTS }, () => randomUUID()).sort();
  await prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(
      `INSERT INTO "accounts" ("id", "lowBalanceThreshold") SELECT id, 5000000 FROM unnest($1::uuid[]) AS t(id)`,
      ids,
    );
    const [posting] = await tx.$queryRawUnsafe<{ id: bigint }[]>(
      `INSERT INTO "postings" ("idempotencyKey", "requestHash") VALUES ('bench:seed', 'bench') RETURNING "id"`,
    );
    await tx.$executeRawUnsafe(
      `INSERT INTO "ledger_entries" ("postingId", "accountId", "type", "bucket", "amount", "balanceAfter", "bucketBalanceAfter", "actorType", "actorId", "idempotencyKey")
       SELECT $1::bigint, id, 'admin_adjustment', 'principal', 1000000000, 1000000000, 1000000000, 'system', 'bench', 'bench:seed#' || n
       FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, n)`,
      String(posting.id),
      ids,
    );
    await tx.$executeRawUnsafe(
      `INSERT INTO "balances" ("accountId", "bucket", "amount") SELECT id, 'principal', 1000000000 FROM unnest($1::uuid[]) AS t(id)`,
      ids,
    );
  });
  await prisma.$executeRawUnsafe(`ANALYZE`);
  return ids;
}
