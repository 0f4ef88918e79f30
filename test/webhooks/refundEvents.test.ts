import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../../src/config/env.ts";
import { GatewayClient } from "../../src/gateway/client.ts";
import { gatewayDeliverer } from "../../src/gateway/deliverer.ts";
import { linkGatewayUser } from "../../src/gateway/links.ts";
import { gatewaySettings } from "../../src/gateway/settings.ts";
import { approveRefund } from "../../src/refunds/approveRefund.ts";
import { requestRefund } from "../../src/refunds/requestRefund.ts";
import type { Services } from "../../src/services.ts";
import { parseWebhookConfig } from "../../src/webhooks/config.ts";
import { webhookDeliverer } from "../../src/webhooks/deliverer.ts";
import { relayOnce } from "../../src/webhooks/relay.ts";
import { createTestServices } from "../helpers/services.ts";
import { NewApiStandin } from "../standins/newApi.ts";
import { confirmedTopup, deliverAll, expectReconciled, Receiver, SUPPORT } from "./kit.ts";

const SECRET = "whsec-refunds-0123456789abcdef-0";

/**
 * Refunds are written by src/refunds, which knows nothing of webhooks or gateways: its posting
 * (`refund:<id>`, refund and bonus_reversal entries) is all the relay needs.
 */
describe("an approved refund, as src/refunds posts it", () => {
  let services: Services;
  let receiver: Receiver;
  let standin: NewApiStandin;
  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    receiver = await new Receiver().start();
    standin = await new NewApiStandin("new-api").start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await standin?.stop();
    await services?.db.close();
  });

  it("is one refund.approved webhook and one quota change taking principal and reversed bonus away", async () => {
    const webhooks = parseWebhookConfig({ endpoints: [{ id: "p", url: receiver.url, secretEnv: "WEBHOOK_SECRET_P", events: ["refund.approved"] }] }, { WEBHOOK_SECRET_P: SECRET });
    const gateway = gatewaySettings(
      loadEnv({ GATEWAY_KIND: "new-api", GATEWAY_URL: standin.url, GATEWAY_ADMIN_TOKEN: standin.admin.token, GATEWAY_ADMIN_USER_ID: String(standin.admin.userId) }),
    )!;
    const deps = { prisma: services.prisma, webhooks, gateway };
    const deliverers = { webhook: webhookDeliverer(services.prisma, webhooks), gateway: gatewayDeliverer(services.prisma, new GatewayClient(gateway)) };

    const { accountId, caller } = await confirmedTopup(services, "refund-1");
    await relayOnce(deps);
    // Linked after the top-up was relayed: only what is posted from now on moves the quota.
    const user = standin.addUser(900);
    await linkGatewayUser(services.prisma, { accountId, gatewayUserId: user.id, linkedBy: "test" });
    await relayOnce(deps);
    await deliverAll(services, deliverers);
    expect(user.quota).toBe(0);

    const { refund } = await requestRefund(services, { accountId, caller, amount: 4_000_000n, reason: "no longer needed" });
    const approved = await approveRefund(services, { refundRef: refund.refundNo, paymentReference: "BANK-OUT-0001", decider: SUPPORT });
    await relayOnce(deps);
    await deliverAll(services, deliverers);

    const events = receiver.ofType("refund.approved");
    expect(events.map((e) => e.json.data)).toEqual([
      expect.objectContaining({ refundId: refund.id, accountId, refunded: "4000000", bonusReversed: "800000", reference: refund.refundNo }),
    ]);
    expect(approved.refund.reversedBonus).toBe(800_000n);
    // 4 USD of principal and 0.8 USD of bonus leave the gateway too: 2,400,000 units.
    expect(user.quota).toBe(-2_400_000);
    expect(standin.callsTo("POST /api/user/manage").map((c) => c.body)).toEqual([{ id: user.id, action: "add_quota", mode: "subtract", value: 2_400_000 }]);
    await expectReconciled(services);
  });
});
