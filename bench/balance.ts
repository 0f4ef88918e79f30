/**
 * npm run bench:balance — the gateway's balance lookup (GET /api/v1/accounts/:id/balance) on an
 * account with 1,000,000 ledger entries against one with 1,000, on PostgreSQL. The lookup reads
 * the cached balances, so its p99 should not depend on the number of entries (goal: ratio ≤ 1.1).
 * For contrast it also times summing the entries, which the cache exists to avoid.
 */
import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { createServices } from "../src/app/createServices.ts";
import { loadEnv } from "../src/config/env.ts";
import { openDatabase, type PrismaClient } from "../src/db/index.ts";
import { startWebServer } from "../src/http/server.ts";
import { reconcile } from "../src/ledger/reconcile.ts";
import { createLogger } from "../src/log.ts";
import { benchDatabase, percentile } from "./throwawayPostgres.ts";

const BIG = Number(process.env.BENCH_BIG_ENTRIES ?? 1_000_000);
const SMALL = 1_000;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 10_000);
const WARMUP = 1_000;
const GOAL = 1.1;
const KEY = `bench-${randomUUID()}`;

const target = await benchDatabase("balance");
const db = await openDatabase({ url: target.url, poolSize: 4 });
try {
  await db.migrate();
  const env = loadEnv({ DATABASE_URL: target.url, API_KEYS: KEY, LOG_LEVEL: "silent" });
  const services = await createServices({ env, db, allowDemoMethods: true, migrate: false, log: createLogger({ level: "silent" }) });

  const big = randomUUID();
  const small = randomUUID();
  let started = performance.now();
  await seed(db.prisma, big, BIG);
  await seed(db.prisma, small, SMALL);
  await db.prisma.$executeRawUnsafe(`VACUUM ANALYZE`);
  console.log(`seeded ${BIG.toLocaleString("en-US")} + ${SMALL.toLocaleString("en-US")} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const report = await reconcile(db.prisma);
  if (report.mismatches.length > 0) throw new Error(`seeded balances do not reconcile: ${JSON.stringify(report.mismatches)}`);

  const web = await startWebServer(services, 0, "127.0.0.1");
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const lookup = async (id: string): Promise<number> => {
    const t0 = performance.now();
    const res = await get(`http://127.0.0.1:${web.port}/api/v1/accounts/${id}/balance`, agent);
    const elapsed = performance.now() - t0;
    if (res.status !== 200) throw new Error(`lookup answered ${res.status}: ${res.body}`);
    return elapsed;
  };

  for (let i = 0; i < WARMUP; i++) await lookup(i % 2 ? big : small);
  // Interleaved, so both accounts meet the same noise from the rest of the machine.
  const times = { big: [] as number[], small: [] as number[] };
  started = performance.now();
  for (let i = 0; i < SAMPLES; i++) {
    times.big.push(await lookup(big));
    times.small.push(await lookup(small));
  }
  const seconds = (performance.now() - started) / 1000;
  const bigBalance = await get(`http://127.0.0.1:${web.port}/api/v1/accounts/${big}/balance`, agent);

  // Contrast: the balance as SUM over the entries (what a cache-less ledger would do).
  const sumTimes = { big: [] as number[], small: [] as number[] };
  for (let i = 0; i < 20; i++) {
    for (const [name, id] of [["big", big], ["small", small]] as const) {
      const t0 = performance.now();
      await db.prisma.$queryRawUnsafe(`SELECT SUM("amount") FROM "ledger_entries" WHERE "accountId" = $1::uuid`, id);
      sumTimes[name].push(performance.now() - t0);
    }
  }
  await web.close();
  agent.destroy();

  const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
  const b = sorted(times.big);
  const s = sorted(times.small);
  const ratio = percentile(b, 99) / percentile(s, 99);
  const ms = (v: number) => `${v.toFixed(3)} ms`;
  console.log("");
  console.log(`balance lookup over HTTP, ${SAMPLES.toLocaleString("en-US")} interleaved requests per account (${((2 * SAMPLES) / seconds).toFixed(0)} lookups/s)`);
  console.log(`  ${BIG.toLocaleString("en-US").padStart(9)} entries: p50 ${ms(percentile(b, 50))}  p99 ${ms(percentile(b, 99))}`);
  console.log(`  ${SMALL.toLocaleString("en-US").padStart(9)} entries: p50 ${ms(percentile(s, 50))}  p99 ${ms(percentile(s, 99))}`);
  console.log(`  p99 ratio (1M / 1k)   : ${ratio.toFixed(3)}  goal ≤ ${GOAL}: ${ratio <= GOAL ? "met" : "NOT met"}`);
  console.log(`  p50 ratio (1M / 1k)   : ${(percentile(b, 50) / percentile(s, 50)).toFixed(3)}`);
  const sb = sorted(sumTimes.big);
  const ss = sorted(sumTimes.small);
  console.log(`  for contrast, SUM(entries): median ${ms(percentile(sb, 50))} vs ${ms(percentile(ss, 50))} (${(percentile(sb, 50) / percentile(ss, 50)).toFixed(0)}×)`);
  console.log(`  big account balance: ${JSON.parse(bigBalance.body).balanceUsd} USD; reconcile: every balance equals its entries`);
  if (ratio > GOAL) process.exitCode = 1;
} finally {
  await db.close();
  await target.close();
}

/**
 * `count` alternating entries on one account (a $2 top-up, then $1 of usage, …), each in its own
 * posting, with the balance-after column and the cached balance consistent: one INSERT … SELECT
 * over generate_series for postings and entries together.
 */
async function seed(prisma: PrismaClient, accountId: string, count: number): Promise<void> {
  await prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`INSERT INTO "accounts" ("id") VALUES ($1::uuid)`, accountId);
      await tx.$executeRawUnsafe(
        `WITH p AS (
           INSERT INTO "postings" ("idempotencyKey", "requestHash")
           SELECT 'bench:' || $1 || ':' || n, 'bench' FROM generate_series(1, $2::int) AS n ORDER BY n
           RETURNING "id", "idempotencyKey"
         )
         INSERT INTO "ledger_entries" ("postingId", "accountId", "type", "bucket", "amount", "balanceAfter", "bucketBalanceAfter", "actorType", "actorId", "idempotencyKey")
         SELECT p."id", $1::uuid,
                CASE WHEN g.n % 2 = 1 THEN 'usdt_topup' ELSE 'api_usage' END, 'principal',
                CASE WHEN g.n % 2 = 1 THEN 2000000 ELSE -1000000 END,
                ((g.n + 1) / 2) * 2000000::bigint - (g.n / 2) * 1000000::bigint,
                ((g.n + 1) / 2) * 2000000::bigint - (g.n / 2) * 1000000::bigint,
                'system', 'bench', p."idempotencyKey" || '#0'
         FROM generate_series(1, $2::int) AS g(n)
         JOIN p ON p."idempotencyKey" = 'bench:' || $1 || ':' || g.n
         ORDER BY g.n`,
        accountId,
        count,
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO "balances" ("accountId", "bucket", "amount")
         SELECT $1::uuid, 'principal', COALESCE(SUM("amount"), 0) FROM "ledger_entries" WHERE "accountId" = $1::uuid`,
        accountId,
      );
    },
    { timeout: 600_000, maxWait: 60_000 },
  );
}

function get(url: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${KEY}` } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
