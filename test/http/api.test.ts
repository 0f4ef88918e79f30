import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import link from "../../commands/link.ts";
import type { Caller } from "../../src/core/command.ts";
import { createRegistry, dispatch } from "../../src/core/dispatch.ts";
import { startWebServer, type WebServer } from "../../src/http/server.ts";
import { countDeliveries, outboxDeliveries } from "../../src/metrics.ts";
import { enqueue } from "../../src/notify/outbox.ts";
import type { Services } from "../../src/services.ts";
import { openDatabase } from "../../src/db/index.ts";
import { onPostgres } from "../helpers/db.ts";
import { createTestServices } from "../helpers/services.ts";
import { main as cliMain } from "../../src/cli/index.ts";
import { linkCodeCommand } from "../../src/cli/commands/link-code.ts";
import { bufferOutput } from "../cli/io.ts";
import { accountWith, USD, usageRecord } from "../usage/fixtures.ts";

const KEY = "http-test-key-5b81e2";
let services: Services;
let web: WebServer;
let base: string;

beforeAll(async () => {
  services = await createTestServices({ env: { API_KEYS: KEY } });
  web = await startWebServer(services, 0, "127.0.0.1");
  base = `http://127.0.0.1:${web.port}`;
});
afterAll(async () => {
  await web?.close();
  await services?.db.close();
});

async function call(method: string, path: string, body?: unknown, key: string | null = KEY, root = base) {
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${root}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text, headers: res.headers };
}

describe("GET /api/v1/accounts/:id/balance", () => {
  it("answers the balance and its breakdown from the cached balances", async () => {
    const accountId = await accountWith(services.prisma, { principal: 7n * USD, bonus: 1_250_000n }, { threshold: 5n * USD });
    const res = await call("GET", `/api/v1/accounts/${accountId.toUpperCase()}/balance`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      accountId,
      status: "active",
      unit: "micro-USD",
      balance: "8250000",
      balanceUsd: "8.25",
      buckets: { principal: "7000000", bonus: "1250000", trial: "0", promo: "0" },
      lowBalanceThreshold: "5000000",
    });
  });

  it("answers 404 for an unknown account, 400 for a malformed id, 401 without a key", async () => {
    expect((await call("GET", "/api/v1/accounts/00000000-0000-4000-8000-000000000000/balance")).status).toBe(404);
    const bad = await call("GET", "/api/v1/accounts/not-a-uuid/balance");
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe("invalid_account_id");
    const anonymous = await call("GET", "/api/v1/accounts/00000000-0000-4000-8000-000000000000/balance", undefined, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });
});

describe("link codes", () => {
  const registry = createRegistry([link]);
  const caller = (userId: string): Caller => ({ platform: "slack", workspaceId: "T1", userId, locale: "en", isSupport: false });

  it("issues a one-time code, stores only its hash, and links the first chat user who redeems it", async () => {
    const accountId = await accountWith(services.prisma, { principal: 1n * USD });
    const issued = await call("POST", "/api/v1/link-codes", { accountId, ttlMinutes: 30 });
    expect(issued.status).toBe(201);
    expect(issued.json.accountId).toBe(accountId);
    expect(issued.json.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const expires = new Date(issued.json.expiresAt).getTime() - Date.now();
    expect(expires).toBeGreaterThan(29 * 60_000);
    expect(expires).toBeLessThanOrEqual(30 * 60_000);

    const stored = await services.prisma.linkCode.findMany({ where: { accountId } });
    expect(stored).toHaveLength(1);
    const normalized = issued.json.code.replace(/-/g, "");
    expect(stored[0].codeHash).toBe(createHash("sha256").update(normalized).digest("hex"));
    expect(JSON.stringify(stored)).not.toContain(normalized);

    // Typed in lower case with spaces, as people do.
    const typed = issued.json.code.toLowerCase().replace(/-/g, " ");
    const reply = await dispatch(registry, services, caller("U-link-1"), "link", { code: typed });
    expect(reply.error).toBeFalsy();
    expect(reply.summary).toContain(accountId);
    const identity = await services.prisma.chatIdentity.findUnique({
      where: { platform_workspaceId_userId: { platform: "slack", workspaceId: "T1", userId: "U-link-1" } },
    });
    expect(identity?.accountId).toBe(accountId);

    const again = await dispatch(registry, services, caller("U-link-2"), "link", { code: issued.json.code });
    expect(again.error).toBe(true);
    expect(again.summary).toContain("already used");
    expect(await services.prisma.chatIdentity.count({ where: { userId: "U-link-2" } })).toBe(0);

    const twice = await dispatch(registry, services, caller("U-link-1"), "link", { code: issued.json.code });
    expect(twice.error).toBe(true);
    expect(twice.summary).toContain("already linked");
  });

  it("refuses a wrong, malformed or expired code and links nobody", async () => {
    const accountId = await accountWith(services.prisma);
    const issued = await call("POST", "/api/v1/link-codes", { accountId, ttlMinutes: 1 });
    expect(issued.status).toBe(201);

    const wrong = await dispatch(registry, services, caller("U-link-3"), "link", { code: "AAAA-BBBB-CCCC" });
    expect(wrong.summary).toContain("not valid");
    const malformed = await dispatch(registry, services, caller("U-link-3"), "link", { code: "12" });
    expect(malformed.error).toBe(true);
    expect(malformed.fieldErrors).toHaveProperty("code");
    const missing = await dispatch(registry, services, caller("U-link-3"), "link", {});
    expect(missing.fieldErrors).toHaveProperty("code");

    const realNow = services.now;
    services.now = () => new Date(Date.now() + 2 * 60_000);
    try {
      const expired = await dispatch(registry, services, caller("U-link-3"), "link", { code: issued.json.code });
      expect(expired.error).toBe(true);
      expect(expired.summary).toContain("expired");
    } finally {
      services.now = realNow;
    }
    expect(await services.prisma.chatIdentity.count({ where: { userId: "U-link-3" } })).toBe(0);
    const code = await services.prisma.linkCode.findFirstOrThrow({ where: { accountId } });
    expect(code.usedAt).toBeNull();
  });

  it("are issued by the operator CLI too: credit-desk link-code issue <accountId>", async () => {
    const accountId = await accountWith(services.prisma);
    const stdout = bufferOutput();
    const stderr = bufferOutput();
    const options = { database: services.db, commands: [linkCodeCommand], stdout, stderr, environment: { LOG_LEVEL: "silent" } };
    expect(await cliMain(["link-code", "issue", accountId, "--ttl", "15"], options)).toBe(0);
    const code = stdout.text().trim();
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(stderr.text()).toContain(accountId);
    const reply = await dispatch(registry, services, caller("U-link-cli"), "link", { code });
    expect(reply.error).toBeFalsy();

    expect(await cliMain(["link-code", "issue", "00000000-0000-4000-8000-000000000000"], options)).toBe(1);
    expect(await cliMain(["link-code", "issue", accountId, "--ttl", "0"], options)).toBe(2);
    expect(await cliMain(["link-code", "issue", "nope"], options)).toBe(2);
  });

  it("validates the request: 404 unknown account, 400 bad body, 401 wrong key", async () => {
    expect((await call("POST", "/api/v1/link-codes", { accountId: "00000000-0000-4000-8000-000000000000" })).status).toBe(404);
    const bad = await call("POST", "/api/v1/link-codes", { accountId: "x", ttlMinutes: 0.5 });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json.fields).sort()).toEqual(["accountId", "ttlMinutes"]);
    expect((await call("POST", "/api/v1/link-codes", { accountId: "x" }, "nope")).status).toBe(401);
    expect(await services.prisma.linkCode.count({ where: { accountId: "00000000-0000-4000-8000-000000000000" } })).toBe(0);
  });
});

describe("health and metrics", () => {
  it("reports the database reachable", async () => {
    const res = await call("GET", "/healthz", undefined, null);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
  });

  it("answers 503 when the database is gone", async () => {
    // SELECT 1 needs no tables: an unmigrated database is enough, and cheap to open.
    const db = await openDatabase(onPostgres ? { url: process.env.DATABASE_URL, poolSize: 1 } : { dataDir: "memory://" });
    const server = await startWebServer({ ...services, db, prisma: db.prisma }, 0, "127.0.0.1");
    try {
      expect((await call("GET", "/healthz", undefined, null, `http://127.0.0.1:${server.port}`)).status).toBe(200);
      await db.close();
      const res = await call("GET", "/healthz", undefined, null, `http://127.0.0.1:${server.port}`);
      expect(res.status).toBe(503);
      expect(res.json.ok).toBe(false);
    } finally {
      await server.close();
    }
  });

  it("exposes entries posted, orders, outbox depth and age, RPC errors and ack latency", async () => {
    const accountId = await accountWith(services.prisma, { principal: 1n * USD });
    const usage = await call("POST", "/api/v1/usage", { records: [usageRecord(accountId, 1000n)] });
    expect(usage.json.counts.accepted).toBe(1);
    await enqueue(services.prisma, {
      dedupeKey: `metrics-test:${accountId}`,
      platform: "slack",
      kind: "dm",
      recipient: { type: "user", workspaceId: "T1", userId: "U1" },
      payload: { blocks: [] },
    });
    const pending = await services.prisma.outboxMessage.count({ where: { status: "pending", platform: "slack" } });

    const res = await call("GET", "/metrics", undefined, null);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(res.text)?.[1]);
    expect(value('credit_desk_ledger_entries_posted_total{type="api_usage"}')).toBeGreaterThanOrEqual(1);
    expect(value('credit_desk_outbox_depth{platform="slack"}')).toBe(pending);
    expect(value("credit_desk_outbox_oldest_age_seconds")).toBeGreaterThanOrEqual(0);
    expect(value('credit_desk_orders{status="pending"}')).toBe(0);
    expect(res.text).toContain("# TYPE credit_desk_rpc_errors_total counter");
    expect(res.text).toContain("# TYPE credit_desk_ack_latency_seconds histogram");
  });
});

describe("delivery metrics", () => {
  it("counts each delivery attempt by platform and outcome", async () => {
    const outcomes = [{ status: "sent" as const }, { status: "retry" as const, error: "429" }];
    const counted = countDeliveries("slack", { deliver: async () => outcomes.shift()! });
    const before = await outboxDeliveries.get();
    const value = (metric: typeof before, outcome: string) =>
      metric.values.find((v) => v.labels.platform === "slack" && v.labels.outcome === outcome)?.value ?? 0;
    const message = { id: 1n, dedupeKey: "m", platform: "slack" as const, kind: "dm" as const, recipient: { type: "support_channel" as const }, payload: { blocks: [] }, attempts: 1, createdAt: new Date() };
    expect((await counted.deliver(message)).status).toBe("sent");
    expect((await counted.deliver(message)).status).toBe("retry");
    const after = await outboxDeliveries.get();
    expect(value(after, "sent") - value(before, "sent")).toBe(1);
    expect(value(after, "retry") - value(before, "retry")).toBe(1);
  });
});

describe("routing", () => {
  it("answers 404 for an unknown path and 405 for a wrong method", async () => {
    expect((await call("GET", "/nope")).status).toBe(404);
    const wrong = await call("GET", "/api/v1/usage");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
  });

  it("hands :id path parameters to the handler, decoded, and refuses a malformed encoding", async () => {
    const accountId = await accountWith(services.prisma, { principal: 3n * USD });
    const encoded = accountId.replace(/-/g, "%2D");
    const res = await call("GET", `/api/v1/accounts/${encoded}/balance`);
    expect(res.status).toBe(200);
    expect(res.json.balance).toBe("3000000");
    const malformed = await call("GET", "/api/v1/accounts/%E0%A4%A/balance");
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toBe("invalid_path");
  });
});
