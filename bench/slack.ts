/**
 * Ack latency of signed slash commands, against a bare Bolt app in the same run.
 *
 *   npm run bench:slack [-- --rate 200 --seconds 10 --users 50 --rounds 10]
 *
 * Slack wants every request acknowledged within 3 seconds. This sends `/credits help` (its ack is
 * immediate; the command then runs and answers through the response_url) at a fixed rate to the
 * real app, and the same requests to a bare Bolt app whose only listener acks. Each app runs in
 * its own child process, as it would in production; this process plays Slack: it signs the
 * requests. The Web API stand-in, which also receives the response_url answers, runs in a third
 * process so that those answers do not slow the clock of the sender. Rounds alternate
 * between the two apps so that drift of the machine hits both. Prints p50/p99 and the ratios
 * (goal: p99 of the real app ≤ 1.2× the bare app's). BENCH_NODE_ARGS passes flags to the app
 * processes, e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see where time goes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { signSlackRequest, slashCommandBody, startSlackStandIn } from "../test/standins/slack.ts";

const SIGNING_SECRET = "bench-signing-secret-0123456789abcdef";
const SUPPORT_CHANNEL = "C0BENCHSUP1";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "200" },
    seconds: { type: "string", default: "10" },
    users: { type: "string", default: "50" },
    rounds: { type: "string", default: "10" },
    serve: { type: "string" },
    api: { type: "string" },
    token: { type: "string" },
  },
});

if (values.serve === "standin") await serveStandIn();
else if (values.serve) await serve(values.serve as "real" | "bare", values.api!, values.token!);
else await main();

/** Slack's side that receives: the Web API and the response_url answers, in a process of its own. */
async function serveStandIn(): Promise<void> {
  const standIn = await startSlackStandIn();
  process.stdout.write(`${JSON.stringify({ url: standIn.url, apiUrl: standIn.apiUrl, token: standIn.botToken, teamId: standIn.teamId })}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on("line", () => process.stdout.write(`${JSON.stringify({ answers: standIn.responseUrlPosts.length, calls: standIn.calls.length })}\n`));
  await new Promise<void>((resolve) => lines.on("close", resolve));
  await standIn.close();
  process.exit(0);
}

// ---- the apps under test (child processes) ---------------------------------------------------

async function serve(kind: "real" | "bare", apiUrl: string, token: string): Promise<void> {
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
    const env = loadEnv({
      ...process.env,
      LOG_LEVEL: "error",
      DATABASE_URL: undefined,
      SLACK_BOT_TOKEN: token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_APP_TOKEN: undefined,
      SLACK_SUPPORT_CHANNEL: SUPPORT_CHANNEL,
      SLACK_SUPPORT_USERS: "U0BENCHSUP1",
      SLACK_API_URL: apiUrl,
    });
    const db = await openDatabase({ dataDir: "memory://" });
    const services = await createServices({ env, db, allowDemoMethods: true, log: createLogger({ level: "error" }) });
    const web = await startWeb(services, registry, { port: 0, host: "127.0.0.1" });
    url = web.url;
    stop = async () => {
      await web.stop();
      await db.close();
    };
  }
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  await new Promise<void>((resolve) => {
    process.stdin.on("close", () => resolve()).resume();
  });
  await stop();
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

async function startChild(args: string[], label: string): Promise<Child> {
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []), "--import", "tsx", fileURLToPath(import.meta.url), ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const hello = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start in 60 s`)), 60_000);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as Record<string, string>);
    });
    child.once("exit", (code) => reject(new Error(`${label} exited with ${code}`)));
  });
  return { process: child, hello, lines };
}

async function standInCounts(standIn: Child): Promise<{ answers: number }> {
  const next = new Promise<string>((resolve) => standIn.lines.once("line", resolve));
  standIn.process.stdin!.write("count\n");
  return JSON.parse(await next) as { answers: number };
}

async function stopChild(child: Child): Promise<void> {
  const exited = new Promise<void>((resolve) => child.process.once("exit", () => resolve()));
  child.process.stdin!.end();
  const timer = setTimeout(() => child.process.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Open loop: request i leaves at start + i/rate whatever the answers do; latency = send → ack. */
async function load(app: Child, slack: StandInInfo, rate: number, seconds: number, users: number, label: string): Promise<number[]> {
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
    const body = slashCommandBody({ teamId: slack.teamId, user, command: "/credits", text: "help", responseUrl, triggerId: `${Date.now()}.${i}.bench` });
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
  if (failures) console.log(`  ${label}: ${failures} requests failed`);
  return latencies;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const users = Number(values.users);
  const rounds = Math.max(1, Number(values.rounds));
  const standInChild = await startChild(["--serve", "standin"], "stand-in");
  const slack = standInChild.hello as unknown as StandInInfo;
  const appArgs = (kind: string) => ["--serve", kind, "--api", slack.apiUrl, "--token", slack.token];
  const bare = await startChild(appArgs("bare"), "bare app");
  const real = await startChild(appArgs("real"), "real app");
  const results = { bare: [] as number[], real: [] as number[] };
  const roundP99 = { bare: [] as number[], real: [] as number[] };
  const p99Of = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 99);
  try {
    // Warm up both (JIT, connections, the real app's locale cache for every user).
    await load(bare, slack, rate, 1, users, "warm-up bare");
    await load(real, slack, rate, Math.max(1, users / rate), users, "warm-up real");
    await new Promise((r) => setTimeout(r, 1000));
    const answersBefore = (await standInCounts(standInChild)).answers;
    const perRound = seconds / rounds;
    for (let round = 0; round < rounds; round++) {
      const bareRound = await load(bare, slack, rate, perRound, users, "bare");
      const realRound = await load(real, slack, rate, perRound, users, "real");
      results.bare.push(...bareRound);
      results.real.push(...realRound);
      roundP99.bare.push(p99Of(bareRound));
      roundP99.real.push(p99Of(realRound));
    }
    // The real app's answers follow the acks through the response_url; wait for the last ones.
    const expected = Math.round(rate * perRound) * rounds;
    const deadline = Date.now() + 15_000;
    let answered = 0;
    for (;;) {
      answered = (await standInCounts(standInChild)).answers - answersBefore;
      if (answered >= expected || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    const row = (name: string, xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return { name, n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
    };
    const b = row("bare Bolt app (ack only)", results.bare);
    const r = row("Credit Desk (/credits help)", results.real);
    console.log(`\nSigned slash commands at ${rate}/s, ${seconds} s per app in ${rounds} alternating rounds, ${users} users`);
    console.log("app                              requests   p50 ms   p99 ms   max ms");
    for (const x of [b, r]) {
      console.log(`${x.name.padEnd(32)} ${String(x.n).padStart(8)} ${x.p50.toFixed(2).padStart(8)} ${x.p99.toFixed(2).padStart(8)} ${x.max.toFixed(1).padStart(8)}`);
    }
    console.log(`answers posted to response_url by the real app: ${answered}/${expected}`);
    const p99Ratio = r.p99 / b.p99;
    console.log(`ratio real/bare: p50 ${(r.p50 / b.p50).toFixed(2)}×, p99 ${p99Ratio.toFixed(2)}× (goal p99 ≤ 1.20×: ${p99Ratio <= 1.2 ? "met" : "not met"})`);
    // On a shared machine a burst of someone else's work lands in one round of one app; the
    // median of the per-round p99s is less sensitive to it than the p99 of everything.
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    const medianRatio = median(roundP99.real) / median(roundP99.bare);
    console.log(
      `median of per-round p99: bare ${median(roundP99.bare).toFixed(2)} ms, real ${median(roundP99.real).toFixed(2)} ms, ratio ${medianRatio.toFixed(2)}× (goal ≤ 1.20×: ${medianRatio <= 1.2 ? "met" : "not met"})`,
    );
  } finally {
    await stopChild(bare);
    await stopChild(real);
    await stopChild(standInChild);
  }
}
