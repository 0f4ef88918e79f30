import { InteractionResponseType, MessageFlags, type APIMessage, type APIUser } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { confirmTopup } from "../../src/topups/confirmTopup.ts";
import { attachmentOf, buttonsOf, drain, IDS, interact, newUser, randomHash, startHarness, textOf, type Harness } from "../discord/helpers.ts";
import { PNG_BYTES } from "../helpers/services.ts";
import { USD } from "./fixtures.ts";

/**
 * Refunds through the real discord.js client against the Discord stand-in: a customer in Simplified
 * Chinese asks through the slash command's modal; support rejects from the card's button (a reason
 * modal), then approves a second request with the slash command; the customer reads both in Chinese.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ TRIAL_STAGE1_USD: "0" });
});
afterAll(async () => {
  await h?.close();
});

const support = newUser("Ada Support");
const asSupport = { user: support, roles: [IDS.supportRole], locale: "en-US" };
const zh = (key: string, params: Record<string, string> = {}) => translate("zh-CN", key, params);
const en = (key: string, params: Record<string, string> = {}) => translate("en", key, params);

/** A top-up by slash command and proof, confirmed by support for exactly `usd`. */
async function confirmedTopup(customer: APIUser, usd: bigint): Promise<{ orderNo: string; accountId: string }> {
  const who = { user: customer, roles: [IDS.memberRole], locale: "zh-CN" };
  await interact(h.standIn, h.standIn.slashCommand(who, "topup", [
    { name: "method", value: "trc20" },
    { name: "amount", value: String(usd) },
  ]));
  const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: customer.id }, orderBy: { seq: "desc" } });
  await interact(h.standIn, h.standIn.slashCommand(who, "proof", [
    { name: "order", value: order.orderNo },
    { name: "tx_hash", value: randomHash() },
  ], { screenshot: attachmentOf(h, "paid.png", PNG_BYTES, "image/png") }));
  await confirmTopup(h.services, { orderRef: order.orderNo, decider: { type: "support", platform: "discord", workspaceId: "discord", userId: support.id }, principal: usd * USD });
  await drain(h);
  return { orderNo: order.orderNo, accountId: order.accountId };
}

async function cardOf(refundId: string): Promise<APIMessage> {
  const card = await h.services.prisma.supportCard.findUniqueOrThrow({ where: { cardKey_platform: { cardKey: `refund:${refundId}`, platform: "discord" } } });
  expect(card.channelId).toBe(IDS.supportChannelId);
  return h.standIn.messages.get(card.messageId)!;
}

describe("Discord: refunds through the real discord.js client", () => {
  it("modal request in Chinese → card → Reject (reason modal) → DM; then a request by options → approved by slash command → DM", async () => {
    const customer = newUser("Wang Customer");
    const who = { user: customer, roles: [IDS.memberRole], locale: "zh-CN" };
    const { accountId } = await confirmedTopup(customer, 100n);

    // `/credits refund` with no options opens the form, saying how much may be asked for.
    const opened = await interact(h.standIn, h.standIn.slashCommand(who, "refund"));
    expect(opened.callbackType).toBe(InteractionResponseType.Modal);
    expect(opened.modal!.title).toBe(zh("refunds.form.title"));
    const sent = await interact(h.standIn, h.standIn.modalSubmit(who, opened.modal!, { amount: "", reason: "换用其他服务" }));
    expect(sent.message!.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    const first = await h.services.prisma.refundRequest.findFirstOrThrow({ where: { accountId }, orderBy: { seq: "desc" } });
    const firstNo = `RF-${String(first.seq).padStart(6, "0")}`;
    expect(first).toMatchObject({ requestedAmount: 100n * USD, whole: true, reason: "换用其他服务", locale: "zh-CN", surface: "discord" });
    expect(textOf(sent.message)).toContain(zh("refunds.requested", { refund: firstNo, amount: "$100.00" }));

    await drain(h);
    const card = await cardOf(first.id);
    expect(textOf(card)).toContain(en("refunds.card.title", { refund: firstNo }));
    expect(buttonsOf(card).map((b) => b.customId)).toEqual([`cd:refund-approve:request=${firstNo}`, `cd:refund-reject:request=${firstNo}`]);

    // A member without the support role is refused, and nothing opens.
    const intruder = await interact(h.standIn, h.standIn.buttonClick({ user: newUser("Not Support"), roles: [IDS.memberRole] }, card.id, `cd:refund-reject:request=${firstNo}`));
    expect(intruder.callbackType).not.toBe(InteractionResponseType.Modal);
    expect(textOf(intruder.message)).toContain(en("errors.not_support"));

    const reject = await interact(h.standIn, h.standIn.buttonClick(asSupport, card.id, `cd:refund-reject:request=${firstNo}`));
    expect(reject.callbackType).toBe(InteractionResponseType.Modal);
    const rejected = await interact(h.standIn, h.standIn.modalSubmit(asSupport, reject.modal!, { reason: "请先用完本月额度" }, card.id));
    expect(textOf(rejected.message)).toContain(en("refunds.rejected", { refund: firstNo }));
    await drain(h);
    const edited = await cardOf(first.id);
    expect(buttonsOf(edited)).toEqual([]);
    expect(textOf(edited)).toContain(`Ada Support (${support.id})`);
    let dms = h.standIn.messagesIn(h.standIn.dmChannelOf(customer.id)!);
    expect(textOf(dms[dms.length - 1])).toContain(zh("refunds.dm.rejected", { refund: firstNo, reason: "请先用完本月额度", accountId }));
    expect(await h.services.prisma.ledgerEntry.count({ where: { accountId, type: { in: ["refund", "bonus_reversal"] } } })).toBe(0);

    // Asked again with the command's options, and approved with the support command.
    await interact(h.standIn, h.standIn.slashCommand(who, "refund", [
      { name: "amount", value: "25" },
      { name: "reason", value: "只需要一部分" },
    ]));
    const second = await h.services.prisma.refundRequest.findFirstOrThrow({ where: { accountId }, orderBy: { seq: "desc" } });
    const secondNo = `RF-${String(second.seq).padStart(6, "0")}`;
    expect(second).toMatchObject({ requestedAmount: 25n * USD, whole: false, status: "pending" });
    const approved = await interact(h.standIn, h.standIn.slashCommand(asSupport, "refund-approve", [
      { name: "request", value: secondNo },
      { name: "reference", value: "WIRE-2026-000123" },
    ]));
    expect(textOf(approved.message)).toContain(en("refunds.approved", { refund: secondNo, principal: "$25.00", bonus: "$5.00", due: "$5.00" }));
    await drain(h);
    dms = h.standIn.messagesIn(h.standIn.dmChannelOf(customer.id)!);
    const last = textOf(dms[dms.length - 1]);
    expect(last).toContain(zh("refunds.dm.approved", { refund: secondNo, principal: "$25.00", reference: "WIRE-2026-000123" }));
    expect(last).toContain(zh("refunds.dm.bonus_reversed", { bonus: "$5.00" }));

    const balances = await h.services.prisma.balance.findMany({ where: { accountId } });
    expect(Object.fromEntries(balances.map((b) => [b.bucket, b.amount]))).toEqual({ principal: 75n * USD, bonus: 15n * USD });
    expect((await reconcile(h.services.prisma)).mismatches).toEqual([]);
  });
});
