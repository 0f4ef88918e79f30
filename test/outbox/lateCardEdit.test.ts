import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import type { Caller } from "../../src/core/command.ts";
import { deliverDue, type Deliverer, type OutboxMessageView } from "../../src/notify/outbox.ts";
import type { Reply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { updateSupportCard } from "../../src/topups/cardOutbox.ts";
import { confirmTopup } from "../../src/topups/confirmTopup.ts";
import { createOrder } from "../../src/topups/createOrder.ts";
import { findOrderById } from "../../src/topups/findOrder.ts";
import { submitProof } from "../../src/topups/submitProof.ts";
import { outboxRenderer } from "../../src/views/outbox.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";

/**
 * A card edit queued while the order waited ("verdict") fails once and is retried after the
 * "confirmed" edit went through. Delivered last, it must not bring back Confirm and Reject: an
 * edit is drawn from the order as it is when it is delivered.
 */
describe("a late, older card edit", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
  });
  afterAll(async () => {
    await services?.db.close();
  });

  it("never overwrites the decided card", async () => {
    const caller: Caller = { platform: "slack", workspaceId: "T1", userId: "U_LATE", locale: "en", isSupport: false };
    const { id: accountId } = await resolveAccount(services, caller);
    const order = await createOrder(services, { accountId, caller, methodId: "erc20", amount: "10" });
    await submitProof(services, { accountId, caller, orderRef: order.orderNo, txHash: "0x" + "a1".repeat(32), screenshot: { name: "p.png", bytes: PNG_BYTES } });
    await services.prisma.$transaction(async (tx) => updateSupportCard(tx, (await findOrderById(tx, order.id))!, "verdict:1"));

    const shown: { key: string; card: Reply }[] = [];
    let failVerdictOnce = true;
    const slack: Deliverer = {
      async deliver(message: OutboxMessageView) {
        if (message.kind === "support_card") return { status: "sent", posted: { channelId: "C1", messageId: "1.1" } };
        if (message.kind !== "card_update") return { status: "sent" };
        if (message.dedupeKey.endsWith(":verdict:1") && failVerdictOnce) {
          failVerdictOnce = false;
          return { status: "retry", afterMs: 0, error: "slow Slack: timed out" };
        }
        shown.push({ key: message.dedupeKey, card: message.payload });
        return { status: "sent" };
      },
    };
    const deliver = () => deliverDue({ prisma: services.prisma, deliverers: { slack }, render: outboxRenderer(services) });

    await deliver();
    await confirmTopup(services, { orderRef: order.orderNo, decider: { type: "support", platform: "slack", workspaceId: "T1", userId: "U_SUPPORT", displayName: "Sam" } });
    await deliver();
    await services.prisma.outboxMessage.updateMany({ where: { status: "pending" }, data: { nextAttemptAt: new Date(Date.now() - 1000) } });
    await deliver();

    expect(shown.map((s) => s.key.split(":card:")[1])).toEqual(["confirmed", "verdict:1"]);
    const last = shown.at(-1)!.card;
    expect(last.blocks.some((b) => b.type === "buttons")).toBe(false);
    expect(JSON.stringify(last.blocks)).toContain("Confirmed by Sam (U_SUPPORT)");
  });
});
