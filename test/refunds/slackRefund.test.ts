import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { confirmTopup } from "../../src/topups/confirmTopup.ts";
import { buttonsIn, textOf, type SlackUser } from "../standins/slack.ts";
import { answerAt, button, clickMessage, deliverAll, openedView, slash, startSlackHarness, submittedTopup, submitView, support, SUPPORT_CHANNEL, type SlackHarness } from "../slack/harness.ts";
import { USD } from "./fixtures.ts";

/**
 * A refund through Slack: the real Bolt receiver with signed requests, the Web API stand-in, the
 * real outbox and the Slack deliverer: `/credits refund` → card in the support channel → Approve
 * opens a modal for the payment reference → card edited, the customer's DM, the ledger.
 */
let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness({ env: { TRIAL_STAGE1_USD: "0" } });
});
afterAll(async () => {
  await h?.close();
});

const en = (key: string, params: Record<string, string> = {}) => translate("en", key, params);

async function balancesOf(accountId: string) {
  const rows = await h.services.prisma.balance.findMany({ where: { accountId } });
  return Object.fromEntries(rows.map((r) => [r.bucket, r.amount]));
}

describe("Slack: a refund from /credits refund to the customer's direct message", () => {
  it("request → card → Approve → reference modal (a bad reference stays on its field) → card edited, DM, ledger", async () => {
    const customer: SlackUser = { id: "U0REFUND01", name: "rita" };
    const { order } = await submittedTopup(h, customer, "100", 0x7e1);
    await confirmTopup(h.services, { orderRef: order.orderNo, decider: { type: "support", platform: "slack", workspaceId: h.standIn.teamId, userId: support.id }, principal: 100n * USD });
    await deliverAll(h);

    const command = await slash(h, customer, "refund 30 switching to the yearly plan");
    expect(command.response.status).toBe(200);
    const answer = await answerAt(h, command.responseUrl);
    expect(answer.response_type).toBe("ephemeral");
    const refund = await h.services.prisma.refundRequest.findFirstOrThrow({ where: { accountId: order.accountId } });
    const refundNo = `RF-${String(refund.seq).padStart(6, "0")}`;
    expect(refund).toMatchObject({ requestedAmount: 30n * USD, whole: false, reason: "switching to the yearly plan", surface: "slack", customerUserId: customer.id, status: "pending" });
    expect(textOf(answer.blocks as never)).toContain(en("refunds.requested", { refund: refundNo, amount: "$30.00" }));

    await deliverAll(h);
    const record = await h.services.prisma.supportCard.findUniqueOrThrow({ where: { cardKey_platform: { cardKey: `refund:${refund.id}`, platform: "slack" } } });
    expect(record.channelId).toBe(SUPPORT_CHANNEL);
    const card = h.standIn.messagesIn(SUPPORT_CHANNEL).find((m) => m.ts === record.messageId)!;
    expect(textOf(card.blocks)).toContain(en("refunds.card.title", { refund: refundNo }));
    expect(textOf(card.blocks)).toContain(order.orderNo);
    expect(buttonsIn(card.blocks).map((b) => b.text.text)).toEqual([en("refunds.card.approve"), en("refunds.card.reject")]);

    const viewsBefore = h.standIn.callsOf("views.open").length;
    const click = await clickMessage(h, support, button(card.blocks, en("refunds.card.approve")), card);
    expect(click.response.status).toBe(200);
    const form = await openedView(h, viewsBefore);

    const entriesBefore = await h.services.prisma.ledgerEntry.count();
    const bad = await submitView(h, support, form, { reference: "ab" });
    expect(bad.json).toEqual({ response_action: "errors", errors: { f_reference: en("refunds.errors.reference_format") } });
    expect(await h.services.prisma.ledgerEntry.count()).toBe(entriesBefore);
    expect((await h.services.prisma.refundRequest.findUniqueOrThrow({ where: { id: refund.id } })).status).toBe("pending");

    const reference = "0x5eed00000000000000000000000000000000000000000000000000000000f00d";
    const ack = await submitView(h, support, form, { reference });
    expect(ack.status).toBe(200);
    expect(ack.text).toBe("");
    const approved = await answerAt(h, click.responseUrl);
    expect(textOf(approved.blocks as never)).toContain(en("refunds.approved", { refund: refundNo, principal: "$30.00", bonus: "$6.00", due: "$6.00" }));
    expect(await balancesOf(order.accountId)).toEqual({ principal: 70n * USD, bonus: 14n * USD });

    await deliverAll(h);
    expect(card.edits).toBe(1);
    expect(buttonsIn(card.blocks)).toEqual([]);
    expect(textOf(card.blocks)).toContain("✅");
    expect(textOf(card.blocks)).toContain(support.id);
    expect(textOf(card.blocks)).toContain(reference);
    const dms = h.standIn.messagesIn(h.standIn.dmChannelOf(customer.id)!);
    const last = textOf(dms[dms.length - 1].blocks);
    expect(last).toContain(en("refunds.dm.approved", { refund: refundNo, principal: "$30.00", reference }));
    expect(last).toContain(en("refunds.dm.bonus_reversed", { bonus: "$6.00" }));
    expect((await reconcile(h.services.prisma)).mismatches).toEqual([]);
  });
});
