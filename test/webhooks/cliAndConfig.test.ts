import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/index.ts";
import { ConfigError, loadEnv, secretValues } from "../../src/config/env.ts";
import type { Services } from "../../src/services.ts";
import { loadWebhookConfig, parseWebhookConfig } from "../../src/webhooks/config.ts";
import { webhookDeliverer } from "../../src/webhooks/deliverer.ts";
import { relayOnce } from "../../src/webhooks/relay.ts";
import { bufferOutput } from "../cli/io.ts";
import { createTestServices } from "../helpers/services.ts";
import { confirmedTopup, deliverAll, expectReconciled, Receiver } from "./kit.ts";
import { readmeVerifier } from "./readmeSnippet.ts";

const SECRET = "whsec-cli-0123456789abcdef-012345";

describe("webhooks configuration", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "webhooks-config-"));
  const file = (content: unknown) => {
    const at = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(at, typeof content === "string" ? content : JSON.stringify(content));
    return at;
  };

  it("reads endpoints with their secrets from the environment", () => {
    const config = loadWebhookConfig(
      { WEBHOOKS_FILE: file({ endpoints: [{ id: "billing", url: "https://b.example.com/h", secretEnv: "WEBHOOK_SECRET_BILLING", events: ["topup.confirmed"] }] }) },
      { WEBHOOK_SECRET_BILLING: SECRET },
    );
    expect(config.endpoints).toEqual([{ id: "billing", url: "https://b.example.com/h", events: new Set(["topup.confirmed"]), secrets: [SECRET], timeoutMs: 10_000 }]);
    expect(loadWebhookConfig({}).endpoints).toEqual([]);
  });

  it("reports every problem at once, and never echoes a secret", () => {
    const raw = {
      endpoints: [
        { id: "Bad Id", url: "ftp://x", secretEnv: "MY_SECRET", events: ["topup.confirmd"] },
        { id: "short", url: "https://s.example.com", secretEnv: "WEBHOOK_SECRET_SHORT", events: "*" },
      ],
    };
    const error = (() => {
      try {
        parseWebhookConfig(raw, {});
      } catch (err) {
        return err as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.join("\n")).toMatch(/endpoints\.0\.id/);
    expect(error!.problems.join("\n")).toMatch(/endpoints\.0\.url/);
    expect(error!.problems.join("\n")).toMatch(/endpoints\.0\.secretEnv/);
    expect(error!.problems.join("\n")).toMatch(/endpoints\.0\.events/);

    const tooShort = (() => {
      try {
        parseWebhookConfig({ endpoints: [raw.endpoints[1]] }, { WEBHOOK_SECRET_SHORT: "abc-secret" });
      } catch (err) {
        return err as ConfigError;
      }
    })();
    expect(tooShort!.problems).toEqual(["WEBHOOK_SECRET_SHORT: each secret at least 24 characters"]);
    expect(tooShort!.message).not.toContain("abc-secret");
    expect(() => loadWebhookConfig({ WEBHOOKS_FILE: file("{not json") })).toThrow(ConfigError);
    expect(() => loadWebhookConfig({ WEBHOOKS_FILE: path.join(dir, "missing.json") })).toThrow(/WEBHOOKS_FILE: cannot read/);
  });

  it("redacts webhook secrets and the gateway token from the logs", () => {
    const values = secretValues({ WEBHOOK_SECRET_BILLING: `${SECRET},second-secret-for-rotation-0123`, GATEWAY_ADMIN_TOKEN: "gw-admin-token-123" });
    expect(values).toEqual(expect.arrayContaining([SECRET, "second-secret-for-rotation-0123", "gw-admin-token-123"]));
  });

  it("the gateway needs its URL and token, and new-api the admin's user id", () => {
    expect(() => loadEnv({ GATEWAY_KIND: "new-api" })).toThrow(/GATEWAY_URL.*[\s\S]*GATEWAY_ADMIN_TOKEN[\s\S]*GATEWAY_ADMIN_USER_ID/);
    expect(loadEnv({ GATEWAY_KIND: "one-api", GATEWAY_URL: "http://127.0.0.1:3000", GATEWAY_ADMIN_TOKEN: "0123456789" }).GATEWAY_QUOTA_PER_USD).toBe(500_000);
  });
});

describe("credit-desk webhooks and gateway", () => {
  let services: Services;
  let receiver: Receiver;
  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await services?.db.close();
  });

  async function run(argv: string[]) {
    const stdout = bufferOutput();
    const stderr = bufferOutput();
    const status = await main(argv, { database: services.db, environment: {}, stdout, stderr });
    return { status, stdout: stdout.text(), stderr: stderr.text() };
  }

  it("lists deliveries with their attempts, and replays one with the same delivery id, marked as a redelivery", async () => {
    const config = parseWebhookConfig({ endpoints: [{ id: "ops", url: receiver.url, secretEnv: "WEBHOOK_SECRET_OPS", events: ["topup.confirmed"] }] }, { WEBHOOK_SECRET_OPS: SECRET });
    const deliverers = { webhook: webhookDeliverer(services.prisma, config) };
    receiver.answer = () => 410;
    await confirmedTopup(services, "cli-replay");
    await relayOnce({ prisma: services.prisma, webhooks: config, gateway: null });
    await deliverAll(services, deliverers);
    const [gone] = receiver.ofType("topup.confirmed");
    expect(gone.status).toBe(410);

    const listed = await run(["webhooks", "list", "--failed"]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/dead\s+topup\.confirmed → ops\s+delivery [0-9a-f-]{36}/);
    expect(listed.stdout).toMatch(/attempt 1\s+410\s+\d+ ms\s+HTTP 410: refused by the endpoint/);

    receiver.answer = () => 200;
    const replayed = await run(["webhooks", "replay", gone.json.deliveryId]);
    expect(replayed.status).toBe(0);
    await deliverAll(services, deliverers);
    const [, again] = receiver.ofType("topup.confirmed");
    expect(again.json).toMatchObject({ deliveryId: gone.json.deliveryId, id: gone.json.id, redelivery: true, attempt: 1 });
    expect((await readmeVerifier())(SECRET, String(again.headers["credit-desk-signature"]), again.body)).toBe(true);

    const missing = await run(["webhooks", "replay", "00000000-0000-4000-8000-000000000000"]);
    expect(missing.status).toBe(1);
    const bad = await run(["webhooks", "replay", "abc"]);
    expect(bad.status).toBe(2);
    await expectReconciled(services);
  });

  it("links an account to a gateway user once, refuses a second link of either, and issues link codes for gateway users", async () => {
    const a = (await services.prisma.account.create({ data: {} })).id;
    const b = (await services.prisma.account.create({ data: {} })).id;
    expect((await run(["gateway", "link", a, "41"])).stdout).toContain(`linked: account ${a} → gateway user 41`);
    expect((await run(["gateway", "link", a, "41"])).stdout).toContain("already linked");
    const taken = await run(["gateway", "link", b, "41"]);
    expect([taken.status, taken.stderr.trim()]).toEqual([1, `gateway user 41 is already linked to account ${a}`]);
    const other = await run(["gateway", "link", a, "42"]);
    expect([other.status, other.stderr.trim()]).toEqual([1, `account ${a} is already linked to gateway user 41`]);

    const links = await services.prisma.gatewayLink.count();
    for (const argv of [["gateway", "link", "not-a-uuid", "1"], ["gateway", "link", b, "0"], ["gateway", "link", b], ["gateway", "frob"]]) {
      expect((await run(argv)).status).toBe(2);
    }
    expect(await services.prisma.gatewayLink.count()).toBe(links);

    const code = await run(["gateway", "link-code", "77", "--ttl", "30"]);
    expect(code.status).toBe(0);
    expect(code.stdout.trim()).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const link = await services.prisma.gatewayLink.findUniqueOrThrow({ where: { gatewayUserId: 77 } });
    expect(code.stderr).toContain(`new account ${link.accountId} of gateway user 77`);
    const second = await run(["gateway", "link-code", "77"]);
    expect(second.stderr).toContain(`existing account ${link.accountId}`);

    expect((await run(["gateway", "links"])).stdout).toContain(`${a}  41`);
    expect((await run(["gateway", "unlink", a])).status).toBe(0);
    expect((await run(["gateway", "unlink", a])).status).toBe(1);
  });
});
