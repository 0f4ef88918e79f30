/**
 * Ledger throughput against the server's own yardstick.
 *
 *   npm run bench:ledger [-- --clients 8 --accounts 1000 --seconds 10]
 *
 * On PostgreSQL (DATABASE_URL, or a throw-away server started here when it is unset) it measures
 * postings per second of a top-up (principal + bonus, one transaction, src/ledger post()) with N
 * concurrent clients over many accounts and on one hot account, then pgbench's tpcb-like TPS
 * with the same number of clients on the same server, and prints the ratios.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { openDatabase } from "../src/db/index.ts";
import { post, reconcile } from "../src/ledger/index.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "8" },
    accounts: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
  },
});
const CLIENTS = Number(values.clients);
const ACCOUNTS = Number(values.accounts);
const SECONDS = Number(values.seconds);

async function startServer(): Promise<{ url: string; stop(): void }> {
  const dir = mkdtempSync(path.join(tmpdir(), "cd-bench-pg-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const url = execFileSync(path.join(ROOT, "scripts/start-postgres.sh"), [dir, String(port)], { encoding: "utf8" }).trim();
  return {
    url,
    stop: () => void spawnSync(path.join(ROOT, "scripts/stop-postgres.sh"), [dir, "--remove"], { stdio: "inherit" }),
  };
}

async function createDatabase(baseUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
  await admin.end();
}

/** Runs `clients` loops for `seconds`, each posting one top-up at a time; returns postings per second. */
async function measurePostings(url: string, accountIds: string[], label: string): Promise<number> {
  const db = await openDatabase({ url, poolSize: CLIENTS });
  let seq = 0;
  const run = async (deadline: number) => {
    let done = 0;
    while (Date.now() < deadline) {
      const accountId = accountIds[Math.floor(Math.random() * accountIds.length)];
      const n = seq++;
      await post(db.prisma, {
        idempotencyKey: `bench-${label}-${n}`,
        actor: { type: "support", id: "bench" },
        reference: `order:B-${n}`,
        lines: [
          { accountId, type: "usdt_topup", bucket: "principal", amount: 10_000_000n },
          { accountId, type: "topup_bonus", bucket: "bonus", amount: 2_000_000n },
        ],
      });
      done++;
    }
    return done;
  };
  try {
    // Warm-up: connections, prepared plans, JIT of the query paths.
    await Promise.all(Array.from({ length: CLIENTS }, () => run(Date.now() + 1500)));
    const started = performance.now();
    const counts = await Promise.all(Array.from({ length: CLIENTS }, () => run(Date.now() + SECONDS * 1000)));
    const elapsed = (performance.now() - started) / 1000;
    const report = await reconcile(db.prisma);
    if (report.mismatches.length > 0) throw new Error(`reconcile found ${report.mismatches.length} mismatches after ${label}`);
    return counts.reduce((a, b) => a + b, 0) / elapsed;
  } finally {
    await db.close();
  }
}

function pgbenchTps(url: string): number {
  const u = new URL(url);
  const args = ["-h", u.hostname, "-p", u.port || "5432", "-U", decodeURIComponent(u.username || "postgres")];
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(u.password) };
  const db = u.pathname.slice(1);
  // -i drops and recreates its tables, so each run starts from the same state.
  execFileSync("pgbench", [...args, "-i", "-q", "-s", "1", db], { env, stdio: ["ignore", "ignore", "pipe"] });
  const out = execFileSync("pgbench", [...args, "-b", "tpcb-like", "-c", String(CLIENTS), "-j", "2", "-T", String(SECONDS), db], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const tps = /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/.exec(out)?.[1];
  if (!tps) throw new Error(`could not read pgbench's output:\n${out}`);
  return Number(tps);
}

async function main(): Promise<void> {
  const own = process.env.DATABASE_URL ? undefined : await startServer();
  const baseUrl = process.env.DATABASE_URL ?? own!.url;
  const suffix = Date.now().toString(36);
  const ledgerDb = `bench_ledger_${suffix}`;
  const pgbenchDb = `bench_pgbench_${suffix}`;
  try {
    console.log(`server: ${new URL(baseUrl).host}${own ? " (throw-away, started for this run)" : ""}`);
    console.log(`clients: ${CLIENTS}, accounts: ${ACCOUNTS}, ${SECONDS} s per run`);

    const ledgerUrl = await createDatabase(baseUrl, ledgerDb);
    const setup = await openDatabase({ url: ledgerUrl, poolSize: 2 });
    await setup.migrate();
    const ids = Array.from({ length: ACCOUNTS }, () => crypto.randomUUID());
    await setup.prisma.account.createMany({ data: ids.map((id) => ({ id })) });
    await setup.close();

    // pgbench runs before and after the ledger, and the ratio uses their mean: on a shared
    // machine the load drifts during a run, and this keeps the drift out of the ratio.
    const pgbenchUrl = await createDatabase(baseUrl, pgbenchDb);
    const tpsBefore = pgbenchTps(pgbenchUrl);
    console.log(`pgbench tpcb-like, -c ${CLIENTS} -j 2: ${tpsBefore.toFixed(0)} tps`);
    const many = await measurePostings(ledgerUrl, ids, "many");
    console.log(`ledger, ${ACCOUNTS} accounts: ${many.toFixed(0)} postings/s`);
    const hot = await measurePostings(ledgerUrl, [ids[0]], "hot");
    console.log(`ledger, 1 hot account:  ${hot.toFixed(0)} postings/s`);
    const tpsAfter = pgbenchTps(pgbenchUrl);
    console.log(`pgbench tpcb-like, -c ${CLIENTS} -j 2: ${tpsAfter.toFixed(0)} tps (again)`);
    const tps = (tpsBefore + tpsAfter) / 2;

    const manyRatio = many / tps;
    console.log("");
    console.log(`ratio, many accounts / pgbench: ${manyRatio.toFixed(2)} (goal >= 0.50: ${manyRatio >= 0.5 ? "met" : "NOT met"})`);
    console.log(`ratio, hot account / pgbench:   ${(hot / tps).toFixed(2)}`);
  } finally {
    await dropDatabase(baseUrl, ledgerDb);
    await dropDatabase(baseUrl, pgbenchDb);
    own?.stop();
  }
}

await main();
