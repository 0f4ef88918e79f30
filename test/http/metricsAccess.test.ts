import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import { healthRoutes } from "../../src/http/routes.ts";
import { serveRoutes, type WebServer } from "../../src/http/server.ts";
import type { Services } from "../../src/services.ts";
import { createOrder } from "../../src/topups/createOrder.ts";
import { createTestServices } from "../helpers/services.ts";

const TOKEN = "metrics-token-for-tests-0001";

/** /metrics behind METRICS_TOKEN when it is set, and its database gauges not recomputed on every scrape. */
describe("GET /metrics", () => {
  let services: Services;
  let guarded: WebServer;
  let open: WebServer;
  beforeAll(async () => {
    services = await createTestServices({ env: { METRICS_TOKEN: TOKEN } });
    guarded = await serveRoutes(healthRoutes(services), { port: 0, host: "127.0.0.1" });
    const openServices = { ...services, env: { ...services.env, METRICS_TOKEN: undefined } };
    open = await serveRoutes(healthRoutes(openServices), { port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await guarded?.close();
    await open?.close();
    await services?.db.close();
  });

  const scrape = (server: WebServer, authorization?: string) =>
    fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: authorization ? { authorization } : {} });

  it("with METRICS_TOKEN: 401 without it or with another, 200 with it; /healthz stays open", async () => {
    expect((await scrape(guarded)).status).toBe(401);
    expect((await scrape(guarded, "Bearer another-token-of-the-same-size")).status).toBe(401);
    const ok = await scrape(guarded, `Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("credit_desk_orders");
    expect((await fetch(`http://127.0.0.1:${guarded.port}/healthz`)).status).toBe(200);
  });

  it("without METRICS_TOKEN it is open, as before", async () => {
    expect((await scrape(open)).status).toBe(200);
  });

  it("the database gauges are reused between scrapes close together", async () => {
    const pendingOf = async () => {
      const text = await (await scrape(guarded, `Bearer ${TOKEN}`)).text();
      return Number(/credit_desk_orders\{status="pending"\} (\d+)/.exec(text)?.[1]);
    };
    const before = await pendingOf();
    const caller = { platform: "console" as const, workspaceId: "local", userId: "metrics-1", locale: "en" as const, isSupport: false };
    const { id } = await resolveAccount(services, caller);
    await createOrder(services, { accountId: id, caller, methodId: "erc20", amount: "10" });
    expect(await services.prisma.topupOrder.count({ where: { status: "pending" } })).toBe(before + 1);
    expect(await pendingOf()).toBe(before);
  });
});
