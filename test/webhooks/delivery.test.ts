import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseWebhookConfig, type WebhookConfig } from "../../src/webhooks/config.ts";
import { webhookDeliverer } from "../../src/webhooks/deliverer.ts";
import { relayOnce, type RelayDeps } from "../../src/webhooks/relay.ts";
import { post } from "../../src/ledger/postEntries.ts";
import { rejectTopup } from "../../src/topups/rejectTopup.ts";
import { expireOrders } from "../../src/topups/expireOrders.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import type { Deliverers } from "../../src/notify/outbox.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";
import { confirmedTopup, customer, deliverAll, expectReconciled, Receiver, submittedOrder, SUPPORT } from "./kit.ts";
import { readmeVerifier } from "./readmeSnippet.ts";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import { createOrder } from "../../src/topups/createOrder.ts";
import { deliverDue } from "../../src/notify/outbox.ts";
import { outboxRenderer } from "../../src/views/outbox.ts";

const SECRET = "whsec-test-0123456789abcdef-0123";

describe("signed webhooks, derived from what the domain committed", () => {
  let services: Services;
  let receiver: Receiver;
  let config: WebhookConfig;
  let deliverers: Deliverers;
  let deps: RelayDeps;
  let verify: Awaited<ReturnType<typeof readmeVerifier>>;
  let clock = new Date();

  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" }, now: () => clock });
    verify = await readmeVerifier();
  });
  beforeEach(async () => {
    receiver = await new Receiver().start();
    config = parseWebhookConfig({ endpoints: [{ id: "platform", url: receiver.url, secretEnv: "WEBHOOK_SECRET_PLATFORM", events: "*" }] }, { WEBHOOK_SECRET_PLATFORM: SECRET });
    deliverers = { webhook: webhookDeliverer(services.prisma, config) };
    deps = { prisma: services.prisma, webhooks: config, gateway: null };
    // Events of earlier tests are theirs: start each test from an empty outbox of webhooks.
    await relayOnce(deps);
    await services.prisma.outboxMessage.deleteMany({ where: { platform: "webhook" } });
  });
  afterEach(async () => {
    await receiver.stop();
    await expectReconciled(services);
  });
  afterAll(async () => {
    await services?.db.close();
  });

  it("a confirmed top-up is one topup.confirmed per endpoint, signed so that the README's code verifies it", async () => {
    const { accountId, order } = await confirmedTopup(services, "wh-confirm");
    await relayOnce(deps);
    await deliverAll(services, deliverers);

    const [confirmed, ...others] = receiver.ofType("topup.confirmed");
    expect(others).toEqual([]);
    expect(confirmed.json).toMatchObject({
      type: "topup.confirmed",
      attempt: 1,
      redelivery: false,
      data: { orderId: order.id, orderNo: order.orderNo, accountId, principal: "10000000", bonus: "2000000", credited: "12000000" },
    });
    expect(confirmed.headers["credit-desk-delivery"]).toBe(confirmed.json.deliveryId);
    expect(confirmed.headers["credit-desk-redelivery"]).toBe("false");
    expect(confirmed.headers["credit-desk-event"]).toBe("topup.confirmed");
    expect(verify(SECRET, String(confirmed.headers["credit-desk-signature"]), confirmed.body)).toBe(true);
    // The two entries of the posting are ledger.entry events too.
    expect(receiver.ofType("ledger.entry").map((r) => [r.json.data.type, r.json.data.amount])).toEqual([
      ["usdt_topup", "10000000"],
      ["topup_bonus", "2000000"],
    ]);

    // Relayed and delivered again: nothing new.
    const before = receiver.requests.length;
    await relayOnce(deps);
    await deliverAll(services, deliverers);
    expect(receiver.requests.length).toBe(before);
  });

  it("a receiver that answers 500 three times, then 200, gets the event once, marked as a redelivery; every attempt is logged", async () => {
    const accepted: string[] = [];
    let failures = 0;
    receiver.answer = ({ body }) => {
      const json = JSON.parse(body);
      if (json.type !== "topup.confirmed") return 200;
      if (failures < 3) {
        failures++;
        return 500;
      }
      accepted.push(json.deliveryId);
      return 200;
    };
    await confirmedTopup(services, "wh-retry");
    await relayOnce(deps);
    await deliverAll(services, deliverers);

    const deliveries = receiver.ofType("topup.confirmed");
    expect(deliveries.map((d) => d.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(deliveries.map((d) => d.json.deliveryId)).size).toBe(1);
    expect(accepted).toHaveLength(1);
    const last = deliveries.at(-1)!;
    expect(last.json).toMatchObject({ attempt: 4, redelivery: true });
    expect(last.headers["credit-desk-redelivery"]).toBe("true");
    expect(verify(SECRET, String(last.headers["credit-desk-signature"]), last.body)).toBe(true);

    const attempts = await services.prisma.webhookAttempt.findMany({ where: { deliveryId: last.json.deliveryId }, orderBy: { id: "asc" } });
    expect(attempts.map((a) => [a.attempt, a.statusCode, a.redelivery])).toEqual([
      [1, 500, false],
      [2, 500, true],
      [3, 500, true],
      [4, 200, true],
    ]);
    expect(attempts.slice(0, 3).every((a) => a.error === "HTTP 500")).toBe(true);
    expect(attempts.every((a) => a.durationMs >= 0)).toBe(true);
    const row = await services.prisma.outboxMessage.findFirstOrThrow({ where: { platform: "webhook", dedupeKey: { contains: "topup.confirmed" } } });
    expect(row.status).toBe("sent");
  });

  it("a receiver holding the wrong secret, or reading a tampered or stale request, refuses it", async () => {
    await confirmedTopup(services, "wh-secret");
    await relayOnce(deps);
    await deliverAll(services, deliverers);
    const [confirmed] = receiver.ofType("topup.confirmed");
    const header = String(confirmed.headers["credit-desk-signature"]);
    expect(verify(SECRET, header, confirmed.body)).toBe(true);
    expect(verify("whsec-someone-else-0123456789abcdef", header, confirmed.body)).toBe(false);
    expect(verify(SECRET, header, confirmed.body.replace("12000000", "92000000"))).toBe(false);
    expect(verify(SECRET, header, confirmed.body, Date.now() + 10 * 60_000)).toBe(false);
  });

  it("a request signed during a rotation carries both signatures: either secret verifies it", async () => {
    const next = "whsec-next-secret-abcdefghijklmnop";
    const rotating = parseWebhookConfig({ endpoints: [{ id: "platform", url: receiver.url, secretEnv: "WEBHOOK_SECRET_PLATFORM", events: ["topup.confirmed"] }] }, { WEBHOOK_SECRET_PLATFORM: `${SECRET},${next}` });
    await confirmedTopup(services, "wh-rotate");
    await relayOnce({ ...deps, webhooks: rotating });
    await deliverAll(services, { webhook: webhookDeliverer(services.prisma, rotating) });
    const [confirmed] = receiver.ofType("topup.confirmed");
    expect(String(confirmed.headers["credit-desk-signature"]).match(/v1=/g)).toHaveLength(2);
    expect(verify(SECRET, String(confirmed.headers["credit-desk-signature"]), confirmed.body)).toBe(true);
    expect(verify(next, String(confirmed.headers["credit-desk-signature"]), confirmed.body)).toBe(true);
  });

  it("a crash between the commit and the send still delivers: a fresh worker relays the committed posting", async () => {
    // The first process confirms and dies before its relay ever runs.
    const { order } = await confirmedTopup(services, "wh-crash");
    expect(await services.prisma.outboxMessage.count({ where: { platform: "webhook" } })).toBe(0);
    // A new worker: its own relay and deliverer objects, nothing shared but the database.
    const fresh = { prisma: services.prisma, webhooks: config, gateway: null } satisfies RelayDeps;
    await relayOnce(fresh);
    // It too dies, after queueing and before sending; a third one delivers.
    await deliverAll(services, { webhook: webhookDeliverer(services.prisma, config) });
    expect(receiver.ofType("topup.confirmed").map((r) => r.json.data.orderId)).toEqual([order.id]);
  });

  it("429 is retried after its Retry-After; another 4xx gives the delivery up", async () => {
    receiver.answer = ({ body }) => (JSON.parse(body).type === "topup.confirmed" ? { status: 429, headers: { "retry-after": "120" } } : 404);
    await confirmedTopup(services, "wh-429");
    await relayOnce(deps);
    await deliverDue({ prisma: services.prisma, deliverers, render: outboxRenderer(services), batchSize: 50 });
    const limited = await services.prisma.outboxMessage.findFirstOrThrow({ where: { platform: "webhook", dedupeKey: { contains: "topup.confirmed" } } });
    expect(limited.status).toBe("pending");
    expect(limited.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(Date.now() + 100_000);
    const refused = await services.prisma.outboxMessage.findMany({ where: { platform: "webhook", dedupeKey: { contains: "ledger.entry" } } });
    expect(refused.map((r) => r.status)).toEqual(["dead", "dead"]);
  });

  it("rejections, expiries, low balances and refund postings become their events; a rejected top-up has no topup.confirmed", async () => {
    const rejected = await submittedOrder(services, "wh-reject");
    await rejectTopup(services, { orderRef: rejected.order.orderNo, decider: SUPPORT, reason: "wrong_network" });

    const caller = customer("wh-expire");
    const { id: expiringAccount } = await resolveAccount(services, caller);
    const expiring = await createOrder(services, { accountId: expiringAccount, caller, methodId: "trc20", amount: "10" });
    clock = new Date(Date.now() + 2 * 3_600_000);
    expect(await expireOrders(services)).toBeGreaterThanOrEqual(1);
    clock = new Date();

    // 12 USD of credit, a 5 USD threshold: usage of 8 USD crosses it.
    const { accountId } = await confirmedTopup(services, "wh-low");
    await ingestUsage(services.prisma, [{ index: 0, record: { id: "wh-low-1", accountId, model: "m", endpoint: "/v1/chat", inputTokens: 1, outputTokens: 1, cachedTokens: 0, calls: 1, cost: 8_000_000n, time: new Date() } }]);
    // What a refund writes (src/refunds posts `refund` entries; the bonus was spent by the usage above).
    await post(services.prisma, {
      idempotencyKey: "refund:wh-low-1",
      lines: [{ accountId, type: "refund", bucket: "principal", amount: -3_000_000n }],
      actor: { type: "support", id: "support-1" },
      reference: "RF-000001",
      memo: "refund",
    });

    await relayOnce(deps);
    await deliverAll(services, deliverers);
    expect(receiver.ofType("topup.rejected").map((r) => r.json.data)).toEqual([expect.objectContaining({ orderId: rejected.order.id, reason: "wrong_network", accountId: rejected.accountId })]);
    expect(receiver.ofType("order.expired").map((r) => r.json.data.orderId)).toContain(expiring.id);
    expect(receiver.ofType("balance.low").map((r) => r.json.data)).toEqual([expect.objectContaining({ accountId, balance: "4000000", threshold: "5000000" })]);
    expect(receiver.ofType("refund.approved").map((r) => r.json.data)).toEqual([expect.objectContaining({ accountId, refunded: "3000000", reference: "RF-000001" })]);
    const confirmedOrders = receiver.ofType("topup.confirmed").map((r) => r.json.data.orderId);
    expect(confirmedOrders).not.toContain(rejected.order.id);
    expect(confirmedOrders).not.toContain(expiring.id);
    for (const request of receiver.requests) expect(verify(SECRET, String(request.headers["credit-desk-signature"]), request.body)).toBe(true);
  });

  it("a top-up posting that names no order row still becomes its event, and the relay carries on", async () => {
    const { id: accountId } = await resolveAccount(services, customer("wh-manual"));
    await post(services.prisma, {
      idempotencyKey: "topup:imported-0001",
      lines: [{ accountId, type: "usdt_topup", bucket: "principal", amount: 5_000_000n }],
      actor: { type: "support", id: "support-1" },
      reference: "LEGACY-1",
    });
    const later = await confirmedTopup(services, "wh-manual-2");
    await relayOnce(deps);
    await deliverAll(services, deliverers);
    expect(receiver.ofType("topup.confirmed").map((r) => [r.json.data.orderId, r.json.data.orderNo])).toEqual([
      ["imported-0001", "LEGACY-1"],
      [later.order.id, later.order.orderNo],
    ]);
  });

  it("an endpoint gets only the events it subscribes to", async () => {
    const narrow = parseWebhookConfig({ endpoints: [{ id: "narrow", url: receiver.url, secretEnv: "WEBHOOK_SECRET_NARROW", events: ["topup.rejected"] }] }, { WEBHOOK_SECRET_NARROW: SECRET });
    await confirmedTopup(services, "wh-narrow");
    const { order } = await submittedOrder(services, "wh-narrow-2");
    await rejectTopup(services, { orderRef: order.orderNo, decider: SUPPORT, reason: "duplicate" });
    await relayOnce({ ...deps, webhooks: narrow });
    await deliverAll(services, { webhook: webhookDeliverer(services.prisma, narrow) });
    expect(receiver.requests.map((r) => JSON.parse(r.body).type)).toEqual(["topup.rejected"]);
  });
});
