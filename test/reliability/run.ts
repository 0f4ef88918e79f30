/**
 * `npm run reliability`: the suite that proves the system's reliability, on PostgreSQL.
 *
 *   npm run reliability                      # a throw-away PostgreSQL unless DATABASE_URL is set
 *   npm run reliability -- --only ledger,fuzz --seed 42
 *
 * Sections (each bounded in time; the run stops on its own):
 *   ledger   property-based test of the ledger (fast-check), lanes of operations at once
 *   fuzz     ≥ 10,000 bad inputs through the console, the HTTP API, Slack and Discord
 *   faults   worker killed mid-delivery, PostgreSQL restarted mid-confirm, lying RPC, 429 storms
 *   secrets  every configured secret searched for in every log line of the run
 *
 * It prints a Markdown table (section, what, figure, pass/fail) and exits non-zero if anything
 * failed. Findings (bugs, with a reproduction) are printed after the table.
 */
import { LogCapture } from "./lib/capture.ts";
import { PgServer } from "./lib/postgres.ts";
import { installSecrets, makeSecrets, scanList, type RunSecrets } from "./lib/secrets.ts";
import { Results, seconds } from "./lib/table.ts";
import { ledgerSection } from "./sections/ledger.ts";
import { fuzzSection } from "./sections/fuzz.ts";
import { faultsSection } from "./sections/faults.ts";

export interface RunContext {
  results: Results;
  capture: LogCapture;
  /** The run's PostgreSQL server (DATABASE_URL's, or a throw-away one). */
  server: PgServer;
  secrets: RunSecrets;
  seed: number;
  /** Process-wide counters: a promise rejected with nobody to catch it is a crash. */
  unhandled: { rejections: string[]; exceptions: string[] };
  /** Extra servers the faults start, whose logs are scanned too. */
  extraLogs: { file: string; source: string }[];
  progress(line: string): void;
  quick: boolean;
}

const SECTIONS: Record<string, { budgetMs: number; run: (ctx: RunContext) => Promise<void> }> = {
  ledger: { budgetMs: 150_000, run: ledgerSection },
  fuzz: { budgetMs: 240_000, run: fuzzSection },
  faults: { budgetMs: 240_000, run: faultsSection },
};

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const started = Date.now();
  const only = option("only")?.split(",") ?? [...Object.keys(SECTIONS), "secrets"];
  const seed = Number(option("seed") ?? Math.floor(Math.random() * 2 ** 31));
  const capture = new LogCapture();
  capture.teeProcessOutput();
  const results = new Results();
  const unhandled = { rejections: [] as string[], exceptions: [] as string[] };
  process.on("unhandledRejection", (reason) => {
    unhandled.rejections.push(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));
  });
  process.on("uncaughtException", (err) => {
    unhandled.exceptions.push(err.stack ?? err.message);
  });
  const progress = (line: string) => process.stderr.write(`[reliability ${seconds(Date.now() - started)}] ${line}\n`);

  const given = process.env.DATABASE_URL;
  progress(given ? "PostgreSQL: the server DATABASE_URL names" : "PostgreSQL: starting a throw-away server (set DATABASE_URL to use your own)");
  const server = given ? await PgServer.existing(given) : await PgServer.throwaway("main");
  const secrets = makeSecrets(server.password);
  // Before any logger exists: the project's logger takes the secrets to scrub from here.
  installSecrets(secrets, server.urlOf("postgres"));
  const ctx: RunContext = { results, capture, server, secrets, seed, unhandled, extraLogs: [], progress, quick: process.argv.includes("--quick") };

  for (const [name, section] of Object.entries(SECTIONS)) {
    if (!only.includes(name)) continue;
    progress(`section ${name}`);
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        section.run(ctx),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`section ${name} did not finish within ${seconds(section.budgetMs)}`)), section.budgetMs);
        }),
      ]);
    } catch (err) {
      results.add(name, "section ran to completion", err instanceof Error ? err.message.slice(0, 300) : String(err), false);
      progress(`section ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
    progress(`section ${name} done in ${seconds(Date.now() - t0)}`);
  }

  results.add("all", "unhandled promise rejections / uncaught exceptions in the runner process", `${unhandled.rejections.length} / ${unhandled.exceptions.length}`, unhandled.rejections.length + unhandled.exceptions.length === 0);
  for (const r of unhandled.rejections.slice(0, 3)) results.finding("Unhandled promise rejection", r.slice(0, 1500));
  for (const e of unhandled.exceptions.slice(0, 3)) results.finding("Uncaught exception", e.slice(0, 1500));

  await server.close();
  if (only.includes("secrets")) {
    if (server.serverLog) await capture.ingestFile(server.serverLog, "postgres-main");
    for (const extra of ctx.extraLogs) await capture.ingestFile(extra.file, extra.source);
    await capture.flush();
    // The scanner's own check: a planted secret in a capture of its own must be found.
    const control = new LogCapture();
    control.stream("control").write(`{"msg":"planted","v":"${encodeURIComponent(secrets.DATABASE_PASSWORD)}"}\n`);
    await new Promise((r) => setTimeout(r, 20));
    const planted = await control.scan(scanList(secrets));
    control.remove();
    results.add("secrets", "scanner self-test: a planted secret (URL-encoded) is found", `${planted.hits.length} hit`, planted.hits.length === 1);
    const scan = await capture.scan(scanList(secrets));
    const total = scan.hits.reduce((n, h) => n + h.count, 0);
    const sources = [...capture.bySource.entries()].map(([s, n]) => `${s} ${n}`).join(", ");
    results.add("secrets", `secret values searched for (${Object.keys(secrets).length} secrets, as is, URL-encoded and base64) in every captured log line`, `${scan.lines.toLocaleString("en-US")} lines (${sources}): ${total} hits`, total === 0 && scan.lines > 0);
    for (const hit of scan.hits) results.finding(`Secret ${hit.name} in the logs`, `${hit.count} line(s) from ${hit.source}; the captured log is kept at ${capture.file}`);
    capture.remove(scan.hits.length > 0);
  } else {
    capture.remove();
  }

  const table = results.markdown();
  process.stdout.write(`\n## Reliability run (seed ${seed}, ${seconds(Date.now() - started)})\n\n${table}\n`);
  if (results.findings.length) {
    process.stdout.write(`\n### Findings\n\n`);
    for (const f of results.findings) process.stdout.write(`- **${f.title}**\n\n  ${f.detail.replace(/\n/g, "\n  ")}\n\n`);
  }
  return results.passed ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Whatever a section left open (sockets, timers) must not keep the run alive.
    setTimeout(() => process.exit(code), 500).unref();
  },
  (err) => {
    process.stderr.write(`reliability run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
