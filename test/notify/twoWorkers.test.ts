import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/index.ts";
import { onPostgres, openTestDatabase } from "../helpers/db.ts";
import { startSlackStandIn, textOf, type SlackStandIn } from "../standins/slack.ts";

const WORKER = fileURLToPath(new URL("./outboxWorker.ts", import.meta.url));
const MESSAGES = 1000;
const RATE = 100;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The most calls that fall in any one-second window [t, t + 1000 ms). */
function maxPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= 1000) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** A local Redis for the test (REDIS_URL wins when the environment provides one). */
async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => undefined };
  if (spawnSync("redis-server", ["--version"]).error) throw new Error("redis-server not found: apt-get install -y redis-server, or set REDIS_URL");
  const port = await freePort();
  const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("redis-server did not start")), 10_000);
    server.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.once("exit", (code) => reject(new Error(`redis-server exited ${code}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (server.exitCode !== null) return resolve();
        server.once("exit", () => resolve());
        server.kill("SIGTERM");
      }),
  };
}

function startWorker(env: Record<string, string>): { child: ChildProcess; ready: Promise<void>; result: Promise<{ sent: number }> } {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let markReady: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes("ready\n")) markReady();
  });
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const result = new Promise<{ sent: number }>((resolve, reject) => {
    child.once("exit", (code) => {
      clearTimeout(killer);
      if (code !== 0) return reject(new Error(`worker exited ${code}: ${err.slice(-2000)}`));
      resolve(JSON.parse(out.trim().split("\n").pop()!));
    });
  });
  return { child, ready, result };
}

describe.skipIf(!onPostgres)("two outbox workers on one PostgreSQL and one Redis", () => {
  let db: Database & { url?: string };
  let redis: { url: string; stop(): Promise<void> };
  let slack: SlackStandIn;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    [db, redis, slack] = await Promise.all([openTestDatabase(), startRedis(), startSlackStandIn()]);
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
    await slack?.close();
    await redis?.stop();
    await db?.close();
  });

  it("deliver 1,000 queued messages exactly once each, never faster than the configured rate", async () => {
    await db.prisma.outboxMessage.createMany({
      data: Array.from({ length: MESSAGES }, (_, n) => ({
        dedupeKey: `two-workers:${n}`,
        platform: "slack",
        kind: "dm",
        recipient: { type: "user", workspaceId: slack.teamId, userId: `U0W${String(n).padStart(6, "0")}` },
        payload: { blocks: [{ type: "text", text: `Message number ${n}` }], summary: `Message number ${n}`, private: true },
      })),
    });

    const env = {
      DATABASE_URL: db.url!,
      REDIS_URL: redis.url,
      LIMITER_PREFIX: `test-${randomBytes(4).toString("hex")}`,
      RATE_PER_SECOND: String(RATE),
      SLACK_API_URL: slack.apiUrl,
      SLACK_BOT_TOKEN: slack.botToken,
      LOG_LEVEL: "silent",
    };
    const started = [startWorker(env), startWorker(env)];
    workers.push(...started.map((w) => w.child));
    await Promise.all(started.map((w) => w.ready));

    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const left = await db.prisma.outboxMessage.count({ where: { status: { not: "sent" } } });
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const w of started) w.child.kill("SIGTERM");
    const results = await Promise.all(started.map((w) => w.result));

    // Every message was sent once, to its own user, by one of the two workers.
    const rows = await db.prisma.outboxMessage.findMany({ where: { dedupeKey: { startsWith: "two-workers:" } } });
    expect(rows.filter((r) => r.status === "sent")).toHaveLength(MESSAGES);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    expect(results[0].sent + results[1].sent).toBe(MESSAGES);
    expect(results[0].sent).toBeGreaterThan(0);
    expect(results[1].sent).toBeGreaterThan(0);

    const posted = slack.okCallsOf("chat.postMessage");
    expect(posted).toHaveLength(MESSAGES);
    const seen = new Map<string, number>();
    for (const message of slack.messages) {
      const text = textOf(message.blocks, message.text);
      const n = /Message number (\d+)/.exec(text)?.[1];
      expect(n, text).toBeDefined();
      expect(message.channel).toBe(slack.dmChannelOf(`U0W${n!.padStart(6, "0")}`));
      seen.set(n!, (seen.get(n!) ?? 0) + 1);
    }
    expect(seen.size).toBe(MESSAGES);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);

    // The shared limit held: no one-second window saw more than RATE calls of a method.
    for (const method of ["chat.postMessage", "conversations.open"]) {
      const peak = maxPerSecond(slack.callsOf(method).map((c) => c.at));
      expect(peak, method).toBeLessThanOrEqual(RATE);
      // And the limiter is the bottleneck, not something slower: the peak comes close to it.
      expect(peak, method).toBeGreaterThan(RATE / 2);
    }
  }, 150_000);
});
