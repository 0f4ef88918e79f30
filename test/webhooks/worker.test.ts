import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { startWorker } from "../../src/app/worker.ts";
import { linkGatewayUser } from "../../src/gateway/links.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";
import { NewApiStandin } from "../standins/newApi.ts";
import { confirmedTopup, expectReconciled, Receiver } from "./kit.ts";
import { readmeVerifier } from "./readmeSnippet.ts";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";

const SECRET = "whsec-worker-0123456789abcdef-0123";

async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The worker process as `npm run worker` starts it (src/app/worker.ts), configured only through
 * its environment: a top-up confirmed while no worker runs is relayed, signed, delivered and
 * mirrored to the gateway once a worker starts; a second worker started afterwards sends nothing again.
 */
describe("the worker runs the relay, the webhook deliverer and the gateway connector from its environment", () => {
  let receiver: Receiver;
  let standin: NewApiStandin;
  let services: Services;
  beforeAll(async () => {
    receiver = await new Receiver().start();
    standin = await new NewApiStandin("new-api").start();
    const file = path.join(mkdtempSync(path.join(tmpdir(), "worker-webhooks-")), "webhooks.json");
    writeFileSync(file, JSON.stringify({ endpoints: [{ id: "platform", url: receiver.url, secretEnv: "WEBHOOK_SECRET_WORKER_TEST", events: ["topup.confirmed"] }] }));
    process.env.WEBHOOK_SECRET_WORKER_TEST = SECRET;
    services = await createTestServices({
      env: {
        TRIAL_STAGE1_USD: "0",
        WEBHOOKS_FILE: file,
        RELAY_POLL_MS: "50",
        OUTBOX_POLL_MS: "50",
        GATEWAY_KIND: "new-api",
        GATEWAY_URL: standin.url,
        GATEWAY_ADMIN_TOKEN: standin.admin.token,
        GATEWAY_ADMIN_USER_ID: String(standin.admin.userId),
      },
    });
  });
  afterAll(async () => {
    delete process.env.WEBHOOK_SECRET_WORKER_TEST;
    await receiver?.stop();
    await standin?.stop();
    await services?.db.close();
  });

  async function runWorker(whileRunning: () => Promise<void>): Promise<void> {
    const controller = new AbortController();
    const stop = await startWorker(services, registry, controller.signal);
    try {
      await whileRunning();
    } finally {
      controller.abort();
      await stop();
    }
  }

  it("delivers what was committed before it started, once", async () => {
    const { id: accountId } = await resolveAccount(services, { platform: "console", workspaceId: "local", userId: "worker-1", locale: "en", isSupport: false });
    const user = standin.addUser(500);
    await linkGatewayUser(services.prisma, { accountId, gatewayUserId: user.id, linkedBy: "test" });
    const { order } = await confirmedTopup(services, "worker-1");

    await runWorker(async () => {
      await until(() => receiver.ofType("topup.confirmed").length === 1 && user.quota === 6_000_000);
    });
    const [delivered] = receiver.ofType("topup.confirmed");
    expect(delivered.json.data.orderId).toBe(order.id);
    expect((await readmeVerifier())(SECRET, String(delivered.headers["credit-desk-signature"]), delivered.body)).toBe(true);

    // Another worker later: everything is done already.
    await runWorker(() => new Promise((resolve) => setTimeout(resolve, 500)));
    expect(receiver.ofType("topup.confirmed")).toHaveLength(1);
    expect(user.quota).toBe(6_000_000);
    expect(standin.callsTo("POST /api/user/manage")).toHaveLength(1);
    await expectReconciled(services);
  });
});
