/**
 * Ack latency of signed slash commands, against a bare Bolt app in the same run.
 *
 *   npm run bench:slack [-- --cases pglite-inline,pglite,postgres,pglite+ingest,postgres+ingest]
 *                       [--rate 200 --seconds 10 --users 50 --rounds 10 --text balance]
 *                       [--ingest-clients 2 --batch 1000 --accounts 10000]
 *
 * Slack wants every request acknowledged within 3 seconds. This sends `/credits <text>` (by
 * default `balance`, which reads the database: the ack comes first, then the command runs and
 * answers through the response_url) at a fixed rate, open loop, to the real app, and the same
 * requests to a bare Bolt app whose only listener acks. Each app runs in its own child process,
 * as it would in production; this process plays Slack: it signs the requests. The Web API
 * stand-in, which also receives the response_url answers, runs in a third process so that those
 * answers do not slow the clock of the sender. Rounds alternate between the two apps so that
 * drift of the machine hits both.
 *
 * Cases (each a real app of its own, against the same bare app):
 * - `pglite`: embedded PGlite as `npm start` runs it (a data directory on disk), in its worker
 *   thread; `pglite-inline`: PGlite on the event loop's thread, as before issue 13 (no goal: the
 *   "before" figure);
 * - `postgres`: a throw-away PostgreSQL (bench/throwawayPostgres.ts), or DATABASE_URL's server;
 * - `<back end>+ingest`: the same while two clients post usage batches of 1,000 records at full
 *   speed to POST /api/v1/usage of the same web process (as bench/usage.ts does), over 10,000
 *   seeded accounts, during both apps' rounds (so that the machine is equally busy for both).
 * Goals (ack p99, real / bare): PostgreSQL ≤ 1.2×, PGlite ≤ 1.5×, during ingestion ≤ 1.5×.
 * BENCH_NODE_ARGS passes flags to the app processes, e.g. BENCH_NODE_ARGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof" to see where time goes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { signSlackRequest, slashCommandBody, startSlackStandIn } from "../test/standins/slack.ts";

const SIGNING_SECRET = "bench-signing-secret-0123456789abcdef";
const SUPPORT_CHANNEL = "C0BENCHSUP1";
const API_KEY = `bench-${randomUUID()}`;
const DEFAULT_CASES = "pglite-inline,pglite,postgres,pglite+ingest,postgres+ingest";

const { values } = parseArgs({
  options: {
    cases: { type: "string", default: DEFAULT_CASES },
    rate: { type: "string", default: "200" },
    seconds: { type: "string", default: "10" },
    users: { type: "string", default: "50" },
    rounds: { type: "string", default: "10" },
    text: { type: "string", default: "balance" },
    "ingest-clients": { type: "string", default: "2" },
    batch: { type: "string", default: "1000" },
    accounts: { type: "string", default: "10000" },
    // child processes
    serve: { type: "string" },
    db: { type: "string" },
    api: { type: "string" },
    token: { type: "string" },
    url: { type: "string" },
  },
});

if (values.serve === "standin") await serveStandIn();
else if (values.serve === "ingest") await serveIngest(values.url!, Number(values["ingest-clients"]), Number(values.batch), Number(values.accounts));
else if (values.serve) await serve(values.serve as "real" | "bare", values.api!, values.token!, values.db as Backend, Number(values.accounts));
else await main();

type Backend = "pglite" | "pglite-inline" | "postgres";

/** The seeded accounts' ids: the same in the app that seeds them and in the ingester. */
function accountId(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
}

/** Slack's side that receives: the Web API and the response_url answers, in a process of its own. */
async function serveStandIn(): Promise<void> {
  const standIn = await startSlackStandIn();
  process.stdout.write(`${JSON.stringify({ url: standIn.url, apiUrl: standIn.apiUrl, token: standIn.botToken, teamId: standIn.teamId })}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on("line", () => {
    const errors = standIn.responseUrlPosts.filter((p) => /went wrong/i.test(JSON.stringify(p.body))).length;
    process.stdout.write(`${JSON.stringify({ answers: standIn.responseUrlPosts.length, errors, calls: standIn.calls.length })}\n`);
  });
  await new Promise<void>((resolve) => lines.on("close", resolve));
  await standIn.close();
  process.exit(0);
}

// ---- the apps under test (child processes) ---------------------------------------------------

async function serve(kind: "real" | "bare", apiUrl: string, token: string, backend: Backend, accounts: number): Promise<void> {
  let url: string;
  let stop: () => Promise<void>;
  if (kind === "bare") {
    const { App, LogLevel } = await import("@slack/bolt");
    const app = new App({ token, signingSecret: SIGNING_SECRET, clientOptions: { slackApiUrl: apiUrl }, logLevel: LogLevel.ERROR });
    app.command("/credits", async ({ ack }) => {
      await ack();
    });
    const server = (await app.start({ port: 0, host: "127.0.0.1" })) as import("node:http").Server;
    url = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
    stop = async () => {
      await app.stop();
    };
  } else {
    const { loadEnv } = await import("../src/config/env.ts");
    const { createServices } = await import("../src/app/createServices.ts");
    const { openDatabase } = await import("../src/db/index.ts");
    const { createLogger } = await import("../src/log.ts");
    const { registry } = await import("../commands/index.ts");
    const { startWeb } = await import("../src/app/web.ts");
    const databaseUrl = backend === "postgres" ? process.env.BENCH_DATABASE_URL : undefined;
    // PGlite as `npm start` has it: a data directory on disk.
    const dataDir = backend === "postgres" ? undefined : mkdtempSync(path.join(tmpdir(), "bench-slack-pglite-"));
    const env = loadEnv({
      ...process.env,
      LOG_LEVEL: "error",
      DATABASE_URL: databaseUrl,
      PGLITE_DIR: dataDir,
      API_KEYS: apiKey(),
      SLACK_BOT_TOKEN: token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_APP_TOKEN: undefined,
      SLACK_SUPPORT_CHANNEL: SUPPORT_CHANNEL,
      SLACK_SUPPORT_USERS: "U0BENCHSUP1",
      SLACK_API_URL: apiUrl,
    });
    const db = await openDatabase({
      url: env.DATABASE_URL,
      dataDir: env.PGLITE_DIR,
      poolSize: env.DATABASE_POOL_SIZE,
      statementCache: env.DATABASE_STATEMENT_CACHE,
      pgliteThread: backend === "pglite-inline" ? "inline" : "worker",
      pgliteNice: process.env.BENCH_PGLITE_NICE === undefined ? undefined : Number(process.env.BENCH_PGLITE_NICE),
    });
    const services = await createServices({ env, db, allowDemoMethods: true, log: createLogger({ level: "error" }) });
    if (accounts > 0) await seedAccounts(db.prisma, accounts);
    const web = await startWeb(services, registry, { port: 0, host: "127.0.0.1" });
    url = web.url;
    stop = async () => {
      await web.stop();
      await db.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    };
  }
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  await new Promise<void>((resolve) => {
    process.stdin.on("close", () => resolve()).resume();
  });
  await stop();
  process.exit(0);
}

/** The usage API's key: made up by the parent, handed to its children. */
function apiKey(): string {
  return process.env.BENCH_API_KEY ?? API_KEY;
}

/** `count` accounts with $1,000 of principal each, written with set-based SQL (as bench/usage.ts). */
async function seedAccounts(prisma: import("../src/db/index.ts").PrismaClient, count: number): Promise<void> {
  const ids = Array.from({ length: count }, (_, i) => accountId(i));
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

/**
 * The gateway: `clients` loops posting usage batches of `batch` records over the seeded accounts
 * to POST /api/v1/usage as fast as they are answered, until standard input closes; then prints
 * what it did. Bodies are built here, in a process of its own, off the sender's clock.
 */
async function serveIngest(url: string, clients: number, batch: number, accounts: number): Promise<void> {
  const target = new URL("/api/v1/usage", url);
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const prefix = randomUUID().slice(0, 8);
  let sequence = 0;
  let stopping = false;
  const stats = { batches: 0, records: 0, failures: 0, firstError: "", latencies: [] as number[] };
  const body = () => {
    const now = new Date().toISOString();
    const records = Array.from({ length: batch }, () => {
      const n = sequence++;
      return {
        id: `ingest-${prefix}-${n}`,
        accountId: accountId(Math.floor(Math.random() * accounts)),
        model: "gpt-4o-mini",
        endpoint: "/v1/chat/completions",
        inputTokens: 1000 + (n % 500),
        outputTokens: 200 + (n % 300),
        cost: String(100 + (n % 5000)),
        time: now,
      };
    });
    return JSON.stringify({ records });
  };
  const post = (payload: string) =>
    new Promise<{ status: number; accepted: number; text: string }>((resolve, reject) => {
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, headers: { authorization: `Bearer ${apiKey()}`, "content-type": "application/json", "content-length": Buffer.byteLength(payload) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let accepted = 0;
            try {
              accepted = (JSON.parse(text) as { counts?: { accepted?: number } }).counts?.accepted ?? 0;
            } catch {
              // not JSON: counted as a failure below
            }
            resolve({ status: res.statusCode ?? 0, accepted, text });
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  const started = performance.now();
  const loops = Array.from({ length: clients }, async () => {
    let next = body();
    while (!stopping) {
      const sent = performance.now();
      try {
        const answer = await post(next);
        if (answer.status === 200 && answer.accepted === batch) {
          stats.batches++;
          stats.records += batch;
          stats.latencies.push(performance.now() - sent);
        } else {
          stats.failures++;
          stats.firstError ||= `${answer.status} ${answer.text.slice(0, 200)}`;
        }
      } catch (err) {
        stats.failures++;
        stats.firstError ||= String(err);
      }
      next = body();
    }
  });
  process.stdout.write(`${JSON.stringify({ started: true })}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on("line", () => {
    process.stdout.write(`${JSON.stringify({ batches: stats.batches })}\n`);
  });
  await new Promise<void>((resolve) => lines.on("close", resolve));
  stopping = true;
  await Promise.all(loops);
  const seconds = (performance.now() - started) / 1000;
  const sorted = stats.latencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({ batches: stats.batches, records: stats.records, failures: stats.failures, firstError: stats.firstError, seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99) })}\n`,
  );
  agent.destroy();
  process.exit(0);
}

// ---- the load (this process plays Slack) ------------------------------------------------------

interface Child {
  process: ChildProcess;
  /** The first line the child printed (its addresses). */
  hello: Record<string, string>;
  lines: ReturnType<typeof createInterface>;
}

interface StandInInfo {
  url: string;
  apiUrl: string;
  token: string;
  teamId: string;
}

async function startChild(args: string[], label: string, env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []), "--import", "tsx", fileURLToPath(import.meta.url), ...args], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, BENCH_API_KEY: API_KEY, ...env },
  });
  const lines = createInterface({ input: child.stdout! });
  const hello = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start in 120 s`)), 120_000);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as Record<string, string>);
    });
    child.once("exit", (code) => reject(new Error(`${label} exited with ${code}`)));
  });
  return { process: child, hello, lines };
}

async function ask<T>(child: Child): Promise<T> {
  const next = new Promise<string>((resolve) => child.lines.once("line", resolve));
  child.process.stdin!.write("count\n");
  return JSON.parse(await next) as T;
}

async function stopChild(child: Child): Promise<string | undefined> {
  const last = new Promise<string | undefined>((resolve) => {
    let line: string | undefined;
    child.lines.on("line", (l) => (line = l));
    child.process.once("exit", () => resolve(line));
  });
  child.process.stdin!.end();
  const timer = setTimeout(() => child.process.kill("SIGKILL"), 30_000);
  const result = await last;
  clearTimeout(timer);
  return result;
}

/** Open loop: request i leaves at start + i/rate whatever the answers do; latency = send → ack. */
async function load(app: Child, slack: StandInInfo, rate: number, seconds: number, users: number, text: string, label: string): Promise<{ latencies: number[]; failures: number }> {
  const events = `${app.hello.url}/slack/events`;
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let failures = 0;
  const start = performance.now() + 50;
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const user = { id: `U0BENCH${String(i % users).padStart(4, "0")}` };
    const responseUrl = `${slack.url}/commands/${slack.teamId}/${label.replace(/\W/g, "")}${i}/${Math.random().toString(36).slice(2)}`;
    const body = slashCommandBody({ teamId: slack.teamId, user, command: "/credits", text, responseUrl, triggerId: `${Date.now()}.${i}.bench` });
    const headers = { "content-type": "application/x-www-form-urlencoded", ...signSlackRequest(SIGNING_SECRET, body) };
    const sent = performance.now();
    pending.push(
      fetch(events, { method: "POST", headers, body, signal: AbortSignal.timeout(10_000) })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status !== 200) failures++;
          else latencies.push(performance.now() - sent);
        })
        .catch(() => {
          failures++;
        }),
    );
  }
  await Promise.all(pending);
  return { latencies, failures };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

function stats(xs: number[]): Stats {
  const sorted = [...xs].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
}

interface CaseResult {
  name: string;
  goal: number | null;
  bare: Stats;
  real: Stats;
  failures: { bare: number; real: number };
  /** Median over rounds of each round's p99, per app. */
  roundP99: { bare: number; real: number };
  answered: number;
  expected: number;
  errors: number;
  ingest?: { batches: number; records: number; failures: number; firstError: string; seconds: number; p50: number; p99: number };
  /** The real app's CPU over the measured rounds (both apps' rounds), per command it answered and as a share of one core. */
  cpu?: { mainPerCommand: number; mainShare: number; processShare: number };
}

/** CPU time (ms) of a process and of its main thread so far, from /proc (Linux); null elsewhere. */
function threadCpuMs(pid: number): { main: number; process: number } | null {
  const ticks = (file: string) => {
    const stat = readFileSync(file, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ is 100 on Linux
  };
  try {
    return { main: ticks(`/proc/${pid}/task/${pid}/stat`), process: ticks(`/proc/${pid}/stat`) };
  } catch {
    return null;
  }
}

/** Waits until the stand-in has received `total` answers (or `ms` passed); returns its counts. */
async function answered(standIn: Child, total: number, ms: number): Promise<{ answers: number; errors: number }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const counts = await ask<{ answers: number; errors: number }>(standIn);
    if (counts.answers >= total || Date.now() > deadline) return counts;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const users = Number(values.users);
  const rounds = Math.max(1, Number(values.rounds));
  const text = values.text!;
  const cases = values.cases!.split(",").map((c) => c.trim()).filter(Boolean);
  for (const c of cases) {
    if (!/^(pglite|pglite-inline|postgres)(\+ingest)?$/.test(c)) throw new Error(`unknown case "${c}": use pglite, pglite-inline or postgres, each optionally +ingest`);
  }
  const standInChild = await startChild(["--serve", "standin"], "stand-in");
  const slack = standInChild.hello as unknown as StandInInfo;
  const appArgs = (kind: string) => ["--serve", kind, "--api", slack.apiUrl, "--token", slack.token];
  const bare = await startChild(appArgs("bare"), "bare app");
  const cleanups: (() => Promise<unknown>)[] = [() => stopChild(bare), () => stopChild(standInChild)];
  let server: { createDatabase(label: string): Promise<string>; close(): Promise<void> } | undefined;
  const results: CaseResult[] = [];
  console.log(`bench:slack: /credits ${text} at ${rate}/s from ${users} users, ${seconds} s per app and case in ${rounds} alternating rounds; cases: ${cases.join(", ")}`);
  try {
    await load(bare, slack, rate, 1, users, text, "warm-up bare");
    for (const name of cases) {
      const [backend, extra] = name.split("+") as [Backend, string | undefined];
      const ingesting = extra === "ingest";
      const env: NodeJS.ProcessEnv = {};
      if (backend === "postgres") {
        if (!server) {
          const { benchServer } = await import("./throwawayPostgres.ts");
          server = await benchServer();
        }
        env.BENCH_DATABASE_URL = await server.createDatabase(name.replace(/\W/g, "_"));
      }
      const accounts = ingesting ? Number(values.accounts) : 0;
      console.log(`\n== ${name}: starting the app…`);
      const real = await startChild([...appArgs("real"), "--db", backend, "--accounts", String(accounts)], `real app (${name})`, env);
      let ingester: Child | undefined;
      try {
        const answersAtStart = (await ask<{ answers: number; errors: number }>(standInChild)).answers;
        // Warm up (JIT, connections, each user's account and locale) before anything is measured,
        // and let every warm-up command be answered: a backlog would be measured as latency.
        const warmUp = Math.max(1, (2 * users) / rate);
        await load(real, slack, rate, warmUp, users, text, `warm-up ${name}`);
        await answered(standInChild, answersAtStart + Math.round(rate * warmUp), 60_000);
        if (ingesting) {
          ingester = await startChild(["--serve", "ingest", "--url", real.hello.url, "--ingest-clients", values["ingest-clients"]!, "--batch", values.batch!, "--accounts", String(accounts)], "ingester");
          // Measure only once batches are flowing.
          const deadline = Date.now() + 60_000;
          while ((await ask<{ batches: number }>(ingester)).batches < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        }
        await new Promise((r) => setTimeout(r, 500));
        const answersBefore = await ask<{ answers: number; errors: number }>(standInChild);
        const collected = { bare: [] as number[], real: [] as number[] };
        const perRound = { bare: [] as number[], real: [] as number[] };
        const failures = { bare: 0, real: 0 };
        const roundSeconds = seconds / rounds;
        const cpuBefore = threadCpuMs(real.process.pid!);
        const windowStart = performance.now();
        for (let round = 0; round < rounds; round++) {
          for (const [label, app] of [["bare", bare], ["real", real]] as const) {
            const r = await load(app, slack, rate, roundSeconds, users, text, `${label} ${name}`);
            collected[label].push(...r.latencies);
            perRound[label].push(stats(r.latencies).p99);
            failures[label] += r.failures;
          }
        }
        const cpuAfter = threadCpuMs(real.process.pid!);
        const window = performance.now() - windowStart;
        let ingest: CaseResult["ingest"];
        if (ingester) {
          const last = await stopChild(ingester);
          ingester = undefined;
          ingest = last ? JSON.parse(last) : undefined;
        }
        // The real app's answers follow the acks through the response_url; wait for the last ones.
        const expected = Math.round(rate * roundSeconds) * rounds;
        const counts = await answered(standInChild, answersBefore.answers + expected, 60_000);
        const result: CaseResult = {
          name,
          goal: backend === "pglite-inline" ? null : ingesting ? 1.5 : backend === "postgres" ? 1.2 : 1.5,
          bare: stats(collected.bare),
          real: stats(collected.real),
          failures,
          roundP99: { bare: median(perRound.bare), real: median(perRound.real) },
          answered: counts.answers - answersBefore.answers,
          expected,
          errors: counts.errors - answersBefore.errors,
          ingest,
          cpu:
            cpuBefore && cpuAfter
              ? { mainPerCommand: (cpuAfter.main - cpuBefore.main) / expected, mainShare: (cpuAfter.main - cpuBefore.main) / window, processShare: (cpuAfter.process - cpuBefore.process) / window }
              : undefined,
        };
        results.push(result);
        printCase(result);
      } finally {
        if (ingester) await stopChild(ingester);
        await stopChild(real);
      }
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => console.error("cleanup:", err));
    await server?.close().catch((err) => console.error("cleanup:", err));
  }
  printSummary(results, { rate, seconds, rounds, users, text });
  if (results.some((r) => r.answered < r.expected || r.errors > 0 || r.failures.real > 0 || (r.ingest && r.ingest.failures > 0))) process.exitCode = 1;
}

function fmtMs(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(2);
}

function printCase(r: CaseResult): void {
  console.log("app                               requests   p50 ms   p99 ms   max ms");
  for (const [label, s] of [["bare Bolt app (ack only)", r.bare], [`Credit Desk (${r.name})`, r.real]] as const) {
    console.log(`${label.padEnd(33)} ${String(s.n).padStart(8)} ${fmtMs(s.p50).padStart(8)} ${fmtMs(s.p99).padStart(8)} ${fmtMs(s.max).padStart(8)}`);
  }
  if (r.failures.bare || r.failures.real) console.log(`failed requests: bare ${r.failures.bare}, real ${r.failures.real}`);
  console.log(`answers posted to response_url: ${r.answered}/${r.expected}${r.errors ? `, ${r.errors} of them "something went wrong"` : ""}`);
  const ratio = r.real.p99 / r.bare.p99;
  console.log(
    `ratio real/bare: p50 ${(r.real.p50 / r.bare.p50).toFixed(2)}×, p99 ${ratio.toFixed(2)}×, median of per-round p99 ${(r.roundP99.real / r.roundP99.bare).toFixed(2)}×` +
      (r.goal === null ? " (before: no goal)" : ` (goal p99 ≤ ${r.goal.toFixed(2)}×: ${ratio <= r.goal ? "met" : "NOT met"})`),
  );
  if (r.cpu) {
    console.log(`real app CPU while measured: main thread ${(100 * r.cpu.mainShare).toFixed(0)}% of one core (${r.cpu.mainPerCommand.toFixed(2)} ms a command), whole process ${(100 * r.cpu.processShare).toFixed(0)}%`);
  }
  if (r.ingest) {
    const i = r.ingest;
    console.log(`ingestion meanwhile: ${Math.round(i.records / i.seconds).toLocaleString("en-US")} records/s (${i.batches} batches in ${i.seconds.toFixed(1)} s, batch p50 ${fmtMs(i.p50)} ms, p99 ${fmtMs(i.p99)} ms)${i.failures ? `, ${i.failures} FAILED: ${i.firstError}` : ""}`);
  }
}

function printSummary(results: CaseResult[], o: { rate: number; seconds: number; rounds: number; users: number; text: string }): void {
  if (!results.length) return;
  console.log(`\nSummary: /credits ${o.text} at ${o.rate}/s from ${o.users} users, ${o.seconds} s per app and case, ${o.rounds} alternating rounds; ack latency in ms`);
  console.log("case              bare p50/p99/max          real p50/p99/max          p99 ratio  round-p99 ratio  goal    ingestion");
  for (const r of results) {
    const triple = (s: Stats) => `${fmtMs(s.p50)}/${fmtMs(s.p99)}/${fmtMs(s.max)}`.padEnd(25);
    const ratio = r.real.p99 / r.bare.p99;
    const goal = r.goal === null ? "before" : `${ratio <= r.goal ? "met" : "NOT"} ≤${r.goal}`;
    const ingest = r.ingest ? `${Math.round(r.ingest.records / r.ingest.seconds).toLocaleString("en-US")} rec/s` : "";
    console.log(`${r.name.padEnd(17)} ${triple(r.bare)} ${triple(r.real)} ${`${ratio.toFixed(2)}×`.padStart(9)}  ${`${(r.roundP99.real / r.roundP99.bare).toFixed(2)}×`.padStart(15)}  ${goal.padEnd(7)} ${ingest}`);
  }
}
