import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { startWebServer, type WebServer } from "../../src/http/server.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";
import { accountWith, USD } from "../usage/fixtures.ts";

/** The gateway's pre-check reads the account's status from the balance API: suspend and unsuspend show there at once. */
const KEY = "status-test-key-41c2d9";
let services: Services;
let web: WebServer;

const support: Caller = { platform: "slack", workspaceId: "T1", userId: "U_SUPPORT", displayName: "Sam", locale: "en", isSupport: true };

beforeAll(async () => {
  services = await createTestServices({ env: { API_KEYS: KEY } });
  web = await startWebServer(services, 0, "127.0.0.1");
});
afterAll(async () => {
  await web?.close();
  await services?.db.close();
});

async function balance(accountId: string) {
  const res = await fetch(`http://127.0.0.1:${web.port}/api/v1/accounts/${accountId}/balance`, { headers: { authorization: `Bearer ${KEY}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; balance: string };
}

describe("GET /api/v1/accounts/:id/balance carries the account's status", () => {
  it("active, then suspended by support (balance unchanged), then active again", async () => {
    const accountId = await accountWith(services.prisma, { principal: 9n * USD });
    expect(await balance(accountId)).toMatchObject({ status: "active", balance: "9000000" });

    const suspended = await dispatch(registry, services, support, "suspend", { account: accountId, reason: "chargeback" });
    expect(suspended.error, suspended.summary).toBeUndefined();
    expect(await balance(accountId)).toMatchObject({ status: "suspended", balance: "9000000" });

    const lifted = await dispatch(registry, services, support, "unsuspend", { account: accountId });
    expect(lifted.error, lifted.summary).toBeUndefined();
    expect(await balance(accountId)).toMatchObject({ status: "active", balance: "9000000" });
  });
});
