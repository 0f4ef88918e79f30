import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { startWeb, type Web } from "../../src/app/web.ts";
import { createWebServer, routeListener, type Route } from "../../src/http/server.ts";
import { ackLatency } from "../../src/metrics.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";
import { postSigned, signSlackRequest, slashCommandBody, startSlackStandIn, type SlackStandIn } from "../standins/slack.ts";
import { accountWith, USD } from "../usage/fixtures.ts";

/**
 * The web process as `npm run web` starts it: one node:http server on PORT, with the usage API,
 * /healthz, /metrics and (when Slack is configured) Slack's routes mounted on it. Slack's
 * requests go through Bolt's real HTTPReceiver, signed as Slack signs them, against the Web API
 * stand-in.
 */

const SIGNING_SECRET = "5c1e0d9b8a7f6e5d4c3b2a1908f7e6d5";
const KEY = "web-test-key-7d21c9";

async function get(url: string, key?: string) {
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

function slackEnv(standIn: SlackStandIn, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: standIn.botToken,
    SLACK_SUPPORT_CHANNEL: "C0SUPPORT01",
    SLACK_SUPPORT_USERS: "U0SUPPORT01",
    SLACK_API_URL: standIn.apiUrl,
    API_KEYS: KEY,
    ...extra,
  };
}

/** How many acks of /slack/events were timed, by HTTP status. */
async function ackCount(status: number): Promise<number> {
  const metric = await ackLatency.get();
  const sample = metric.values.find((v) => v.metricName === "credit_desk_ack_latency_seconds_count" && v.labels.platform === "slack" && v.labels.kind === String(status));
  return sample?.value ?? 0;
}

describe("Slack over HTTP (bot token and signing secret): one server for Slack, the usage API, /healthz and /metrics", () => {
  let standIn: SlackStandIn;
  let services: Services;
  let web: Web;
  let events: string;

  beforeAll(async () => {
    standIn = await startSlackStandIn();
    services = await createTestServices({ env: slackEnv(standIn, { SLACK_SIGNING_SECRET: SIGNING_SECRET, PUBLIC_URL: "https://billing.example.test" }) });
    web = await startWeb(services, registry, { port: 0, host: "127.0.0.1" });
    events = `${web.url}/slack/events`;
  });
  afterAll(async () => {
    await web?.stop();
    await standIn?.close();
    await services?.db.close();
  });

  it("acks a signed slash command on /slack/events, times the ack, and answers through the response_url", async () => {
    const before = await ackCount(200);
    const responseUrl = standIn.newResponseUrl();
    const body = slashCommandBody({ teamId: standIn.teamId, user: { id: "U0WEBUSER1" }, command: "/credits", text: "help", responseUrl, triggerId: standIn.issueTrigger() });
    const ack = await postSigned(events, body, { signingSecret: SIGNING_SECRET });
    expect(ack.status).toBe(200);
    expect(ack.text).toBe("");
    await standIn.waitFor(() => standIn.responsesTo(responseUrl)[0], 8000, "the help answer");
    expect(await ackCount(200)).toBe(before + 1);
  });

  it("refuses a forged or replayed request with 401 (and times that answer too)", async () => {
    const before = await ackCount(401);
    const body = slashCommandBody({ teamId: standIn.teamId, user: { id: "U0WEBUSER1" }, command: "/credits", text: "help", responseUrl: standIn.newResponseUrl(), triggerId: standIn.issueTrigger() });
    expect((await postSigned(events, body, { signingSecret: "not-the-secret" })).status).toBe(401);
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await postSigned(events, body, { signingSecret: SIGNING_SECRET, timestampSeconds: sixMinutesAgo })).status).toBe(401);
    expect(await ackCount(401)).toBe(before + 2);
  });

  it("answers Slack's url_verification challenge, only when signed", async () => {
    const body = JSON.stringify({ token: "deprecated-verification-token", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" });
    const verified = await postSigned(events, body, { signingSecret: SIGNING_SECRET, contentType: "application/json" });
    expect(verified.status).toBe(200);
    expect(verified.json).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
    expect((await postSigned(events, body, { signingSecret: "not-the-secret", contentType: "application/json" })).status).toBe(401);
  });

  it("acks a retried delivery (X-Slack-Retry-Num / -Reason) like the first one", async () => {
    const responseUrl = standIn.newResponseUrl();
    const body = slashCommandBody({ teamId: standIn.teamId, user: { id: "U0WEBUSER2" }, command: "/credits", text: "help", responseUrl, triggerId: standIn.issueTrigger() });
    const res = await fetch(events, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout", ...signSlackRequest(SIGNING_SECRET, body) },
      body,
    });
    expect(res.status).toBe(200);
    await standIn.waitFor(() => standIn.responsesTo(responseUrl)[0], 8000, "the answer to the retried command");
  });

  it("serves the usage API, /healthz and /metrics on the same server", async () => {
    const accountId = await accountWith(services.prisma, { principal: 4n * USD });
    const balance = await get(`${web.url}/api/v1/accounts/${accountId}/balance`, KEY);
    expect(balance.status).toBe(200);
    expect(JSON.parse(balance.text).balance).toBe("4000000");
    expect((await get(`${web.url}/api/v1/accounts/${accountId}/balance`)).status).toBe(401);
    expect((await get(`${web.url}/healthz`)).status).toBe(200);
    const metrics = await get(`${web.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^credit_desk_ack_latency_seconds_count\{platform="slack",kind="200"\} [1-9]/m);
  });

  it("mounts the signed screenshot route (PUBLIC_URL is set) and answers 404/405 for the rest", async () => {
    const forged = await get(`${web.url}/slack/screenshots/${"a".repeat(64)}?exp=9999999999&sig=forged`);
    expect(forged.status).toBe(403);
    expect((await get(events)).status).toBe(405);
    expect((await get(events)).headers.get("allow")).toBe("POST");
    expect((await get(`${web.url}/slack/install`)).status).toBe(404);
  });
});

describe("Slack without PUBLIC_URL", () => {
  it("serves no screenshot route", async () => {
    const standIn = await startSlackStandIn();
    const services = await createTestServices({ env: slackEnv(standIn, { SLACK_SIGNING_SECRET: SIGNING_SECRET }) });
    const web = await startWeb(services, registry, { port: 0, host: "127.0.0.1" });
    try {
      expect((await get(`${web.url}/slack/screenshots/${"a".repeat(64)}?exp=9999999999&sig=x`)).status).toBe(404);
      expect(web.slack?.routes.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /slack/events"]);
    } finally {
      await web.stop();
      await standIn.close();
      await services.db.close();
    }
  });
});

describe("Slack in Socket Mode (SLACK_APP_TOKEN)", () => {
  it("connects to Slack, mounts no /slack/events, and the web server still serves the usage API", async () => {
    const standIn = await startSlackStandIn();
    const services = await createTestServices({ env: slackEnv(standIn, { SLACK_APP_TOKEN: standIn.appToken }) });
    const web = await startWeb(services, registry, { port: 0, host: "127.0.0.1" });
    try {
      await standIn.socketConnected();
      expect(web.slack?.routes).toEqual([]);
      const body = slashCommandBody({ teamId: standIn.teamId, user: { id: "U0WEBUSER3" }, command: "/credits", text: "help", responseUrl: standIn.newResponseUrl(), triggerId: "1.2.3" });
      expect((await postSigned(`${web.url}/slack/events`, body, { signingSecret: SIGNING_SECRET })).status).toBe(404);
      const accountId = await accountWith(services.prisma, { principal: 2n * USD });
      expect((await get(`${web.url}/api/v1/accounts/${accountId}/balance`, KEY)).status).toBe(200);
      expect((await get(`${web.url}/healthz`)).status).toBe(200);
    } finally {
      await web.stop();
      await standIn.close();
      await services.db.close();
    }
  });
});

describe("the usage API alone (API_KEYS, no chat credentials)", () => {
  it("serves the usage API, /healthz and /metrics, and nothing of Slack", async () => {
    const services = await createTestServices({ env: { API_KEYS: KEY } });
    const web = await startWeb(services, registry, { port: 0, host: "127.0.0.1" });
    try {
      expect(web.slack).toBeUndefined();
      const accountId = await accountWith(services.prisma, { principal: 1n * USD });
      expect((await get(`${web.url}/api/v1/accounts/${accountId}/balance`, KEY)).status).toBe(200);
      expect((await get(`${web.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${web.url}/slack/events`, { method: "POST", body: "x" })).status).toBe(404);
    } finally {
      await web.stop();
      await services.db.close();
    }
  });
});

describe("the router", () => {
  const noop = () => undefined;

  it("refuses two routes for the same method and path at start-up", () => {
    const route: Route = { method: "GET", path: "/healthz", handler: noop };
    expect(() => routeListener([route, { ...route, method: "get" }])).toThrow("two HTTP routes for GET /healthz");
    expect(() => routeListener([route, { ...route, method: "POST" }])).not.toThrow();
  });

  it("keeps connections open longer than a load balancer's idle timeout", () => {
    const server = createWebServer([]);
    expect(server.keepAliveTimeout).toBe(65_000);
    expect(server.headersTimeout).toBe(66_000);
  });
});

describe("layers", () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith(".ts"))
      .map((e) => path.join(e.parentPath, e.name));
  const importsOf = (file: string) => [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => path.resolve(path.dirname(file), m[1]));
  const root = fileURLToPath(new URL("../..", import.meta.url));

  it("no chat adapter imports src/http: the web process mounts their routes", () => {
    const http = path.join(root, "src/http");
    const offending = sources(path.join(root, "src/platforms")).filter((f) => importsOf(f).some((i) => i.startsWith(http + path.sep)));
    expect(offending).toEqual([]);
  });

  it("src/limits knows nothing of the chat platforms", () => {
    const platforms = path.join(root, "src/platforms");
    const offending = sources(path.join(root, "src/limits")).filter((f) => importsOf(f).some((i) => i.startsWith(platforms + path.sep)));
    expect(offending).toEqual([]);
  });
});
