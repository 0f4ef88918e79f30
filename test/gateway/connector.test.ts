import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadEnv } from "../../src/config/env.ts";
import { GatewayClient } from "../../src/gateway/client.ts";
import { gatewayDeliverer } from "../../src/gateway/deliverer.ts";
import { linkGatewayUser } from "../../src/gateway/links.ts";
import { gatewaySettings, type GatewaySettings } from "../../src/gateway/settings.ts";
import { post } from "../../src/ledger/postEntries.ts";
import type { Deliverers } from "../../src/notify/outbox.ts";
import type { Services } from "../../src/services.ts";
import { NO_WEBHOOKS } from "../../src/webhooks/config.ts";
import { relayOnce, type RelayDeps } from "../../src/webhooks/relay.ts";
import { createTestServices } from "../helpers/services.ts";
import { NewApiStandin, type GatewayKind } from "../standins/newApi.ts";
import { confirmedTopup, customer, deliverAll, expectReconciled } from "../webhooks/kit.ts";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import { deliverDue } from "../../src/notify/outbox.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { outboxRenderer } from "../../src/views/outbox.ts";
import { main } from "../../src/cli/index.ts";
import { bufferOutput } from "../cli/io.ts";

function settingsFor(standin: NewApiStandin, timeoutMs = 2000): GatewaySettings {
  return gatewaySettings(
    loadEnv({
      GATEWAY_KIND: standin.kind,
      GATEWAY_URL: standin.url,
      GATEWAY_ADMIN_TOKEN: standin.admin.token,
      GATEWAY_ADMIN_USER_ID: String(standin.admin.userId),
      GATEWAY_TIMEOUT_MS: String(timeoutMs),
    }),
  )!;
}

describe.each<GatewayKind>(["new-api", "one-api"])("the %s connector moves a linked user's quota exactly once", (kind) => {
  let services: Services;
  let standin: NewApiStandin;
  let settings: GatewaySettings;
  let deps: RelayDeps;
  let deliverers: Deliverers;
  let nextUser = 100;
  const mutation = kind === "new-api" ? "POST /api/user/manage" : "POST /api/topup";

  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    standin = await new NewApiStandin(kind).start();
  });
  beforeEach(() => {
    settings = settingsFor(standin);
    deps = { prisma: services.prisma, webhooks: NO_WEBHOOKS, gateway: settings };
    deliverers = { gateway: gatewayDeliverer(services.prisma, new GatewayClient(settings)) };
    standin.calls.length = 0;
  });
  afterEach(async () => {
    await expectReconciled(services);
  });
  afterAll(async () => {
    await standin?.stop();
    await services?.db.close();
  });

  async function linkedCustomer(name: string, quota = 0) {
    const { id: accountId } = await resolveAccount(services, customer(`${kind}-${name}`));
    const user = standin.addUser(nextUser++, quota);
    await linkGatewayUser(services.prisma, { accountId, gatewayUserId: user.id, linkedBy: "test" });
    return { accountId, user };
  }

  it("10 USDT with a 20% bonus raises the quota by 12 USD worth (6,000,000 units), in one call", async () => {
    const { accountId, user } = await linkedCustomer("twelve", 1000);
    const before = user.quota;

    const topup = await confirmedTopupFor(services, accountId);
    await relayOnce(deps);
    await deliverAll(services, deliverers);
    expect(user.quota - before).toBe(6_000_000);
    expect(standin.callsTo(mutation)).toHaveLength(1);
    const change = await services.prisma.gatewayQuotaChange.findUniqueOrThrow({ where: { changeKey: `posting:${topup.postingId}:${accountId}` } });
    expect(change).toMatchObject({ status: "applied", amount: 12_000_000n, quota: 6_000_000n, quotaAfter: BigInt(user.quota) });
    if (kind === "one-api") expect(standin.logs.find((l) => l.type === 1)?.content).toBe(`credit-desk:posting:${topup.postingId}:${accountId};`);

    // Relayed and delivered again: nothing moves.
    await relayOnce(deps);
    await deliverAll(services, deliverers);
    expect(user.quota - before).toBe(6_000_000);
    expect(standin.callsTo(mutation)).toHaveLength(1);
  });

  it("a first call that times out after the gateway applied it is read back, not sent again, even with consumption in between", async () => {
    settings = settingsFor(standin, 300);
    deliverers = { gateway: gatewayDeliverer(services.prisma, new GatewayClient(settings)) };
    const { accountId, user } = await linkedCustomer("timeout", 500_000);
    standin.answerLate(mutation, 1500);
    const topup = await confirmedTopupFor(services, accountId);
    await relayOnce({ ...deps, gateway: settings });

    await deliverDue({ prisma: services.prisma, deliverers, render: outboxRenderer(services) });
    const inDoubt = await services.prisma.gatewayQuotaChange.findUniqueOrThrow({ where: { changeKey: `posting:${topup.postingId}:${accountId}` } });
    expect(inDoubt.status).toBe("pending");
    expect(inDoubt.grossBefore).toBe(500_000n);
    expect(inDoubt.lastError).toMatch(/no answer within 300 ms/);
    const stdout = bufferOutput();
    expect(await main(["gateway", "changes", "--open"], { database: services.db, environment: {}, stdout, stderr: bufferOutput() })).toBe(0);
    expect(stdout.text()).toContain(`${inDoubt.changeKey}  user ${user.id}  +6000000  pending  attempts 1  last error: `);
    // The stand-in did apply it; the user spends some of it before we look again.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(user.quota).toBe(6_500_000);
    standin.consume(user.id, 250_000, { model: "gpt-4o" });

    await deliverAll(services, deliverers);
    expect(standin.callsTo(mutation)).toHaveLength(1);
    expect(user.quota).toBe(6_250_000);
    expect(await services.prisma.gatewayQuotaChange.findUniqueOrThrow({ where: { id: inDoubt.id } })).toMatchObject({ status: "applied", attempts: 1 });
  });

  it("a call refused or failed before the gateway applied it is made again, and applied once", async () => {
    const { accountId, user } = await linkedCustomer("retry");
    standin.failWith(mutation, 502, 2);
    await confirmedTopupFor(services, accountId);
    await relayOnce(deps);
    await deliverAll(services, deliverers);
    expect(standin.callsTo(mutation).map((c) => c.status)).toEqual([502, 502, 200]);
    expect(user.quota).toBe(6_000_000);
  });

  it("refunds and adjustments take quota away; usage and unlinked accounts never move it", async () => {
    const { accountId, user } = await linkedCustomer("debit");
    await confirmedTopupFor(services, accountId);
    await post(services.prisma, { idempotencyKey: `refund-${kind}`, lines: [{ accountId, type: "refund", bucket: "principal", amount: -4_000_000n }], actor: { type: "support", id: "s" }, reference: "RF-1" });
    await post(services.prisma, { idempotencyKey: `adjust-${kind}`, lines: [{ accountId, type: "admin_adjustment", bucket: "principal", amount: -1_000_000n }], actor: { type: "support", id: "s" } });
    await ingestUsage(services.prisma, [{ index: 0, record: { id: `usage-${kind}`, accountId, model: "m", endpoint: "e", inputTokens: 0, outputTokens: 0, cachedTokens: 0, calls: 1, cost: 500_000n, time: new Date() } }]);
    const { id: unlinked } = await resolveAccount(services, customer(`${kind}-unlinked`));
    await confirmedTopupFor(services, unlinked);

    await relayOnce(deps);
    await deliverAll(services, deliverers);
    // 12 − 4 − 1 USD = 7 USD; the 0.5 USD of usage stays the gateway's own business.
    expect(user.quota).toBe(3_500_000);
    expect(await services.prisma.gatewayQuotaChange.count({ where: { accountId: unlinked } })).toBe(0);
    expect(await services.prisma.gatewayQuotaChange.findMany({ where: { accountId }, orderBy: { id: "asc" }, select: { quota: true, status: true } })).toEqual([
      { quota: 6_000_000n, status: "applied" },
      { quota: -2_000_000n, status: "applied" },
      { quota: -500_000n, status: "applied" },
    ]);
  });

  /** A confirmed top-up of 10 USD principal on an account that already exists. */
  async function confirmedTopupFor(services: Services, accountId: string) {
    const identity = await services.prisma.chatIdentity.findFirstOrThrow({ where: { accountId } });
    const result = await confirmedTopup(services, identity.userId);
    return { postingId: result.posting.postingId };
  }
});
