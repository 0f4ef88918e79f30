import { InteractionResponseType, MessageFlags } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import { attachmentOf, button, buttonsOf, drain, IDS, interact, newUser, startHarness, textOf, type Harness } from "../discord/helpers.ts";
import { PNG_BYTES } from "../helpers/services.ts";
import { ALIPAY } from "./pricingMethods.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ TRIAL_STAGE1_USD: "0" });
  // The app reads its services' methods on every interaction: this is what a file with Alipay serves.
  h.services.methods.methods.push(...parseMethods({ methods: [ALIPAY] }).methods);
});
afterAll(async () => {
  await h?.close();
});

const support = newUser("Ada Support");
const asSupport = { user: support, roles: [IDS.supportRole], locale: "en-US" };

describe("Alipay in yuan through the real discord.js client", () => {
  it("/credits topup alipay 10 → confirmation at 7.21 → pay ¥72.10 → proof → Confirm credits exactly $10.00; reconcile is clean", async () => {
    const customer = newUser("Mei Customer");
    const who = { user: customer, roles: [IDS.memberRole], locale: "en-US" };

    const quoted = await interact(h.standIn, h.standIn.slashCommand(who, "topup", [
      { name: "method", value: "alipay" },
      { name: "amount", value: "10" },
    ]));
    expect(quoted.message!.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(textOf(quoted.message)).toContain("Final amount to pay: ¥72.10");
    expect(textOf(quoted.message)).toContain("Exchange rate: 7.21 CNY = 1 USD");
    expect(buttonsOf(quoted.message).map((b) => b.customId)).toEqual(["cd:topup:method=alipay&amount=10&confirm=7210000", "cd:topup:method=alipay&amount=10&edit=1"]);
    expect(await h.services.prisma.topupOrder.count({ where: { customerUserId: customer.id } })).toBe(0);

    // Confirm: the instructions take the confirmation's place.
    const confirmed = await interact(h.standIn, h.standIn.buttonClick(who, quoted.message!.id, button(quoted.message, "cd:topup:method=alipay&amount=10&confirm=")));
    expect([InteractionResponseType.UpdateMessage, InteractionResponseType.DeferredMessageUpdate]).toContain(confirmed.callbackType);
    expect(confirmed.message!.id).toBe(quoted.message!.id);
    expect(textOf(confirmed.message)).toContain("Pay ¥72.10 with Alipay (CNY).");
    const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: customer.id } });
    expect(order).toMatchObject({ currency: "CNY", payAmount: 72_100_000n, fxRate: 7_210_000n, requestedAmount: 10_000_000n });

    const proof = await interact(h.standIn, h.standIn.slashCommand(who, "proof", [
      { name: "order", value: order.orderNo },
      { name: "tx_hash", value: "2088-1130-7777" },
    ], { screenshot: attachmentOf(h, "alipay.png", PNG_BYTES, "image/png") }));
    expect(textOf(proof.message)).toContain(order.orderNo);
    await drain(h);

    // The card shows the USD asked and the yuan to receive.
    const record = await h.services.prisma.supportCard.findUniqueOrThrow({ where: { cardKey_platform: { cardKey: `order:${order.id}`, platform: "discord" } } });
    const card = h.standIn.messages.get(record.messageId)!;
    expect(textOf(card)).toContain("$10.00");
    expect(textOf(card)).toContain("¥72.10");
    expect(textOf(card)).toContain("7.21 CNY = 1 USD");

    const prompt = await interact(h.standIn, h.standIn.buttonClick(asSupport, card.id, `ck:confirm:order=${order.orderNo}`));
    await interact(h.standIn, h.standIn.buttonClick(asSupport, prompt.message!.id, button(prompt.message, "cy:confirm:")));
    const entries = await h.services.prisma.ledgerEntry.findMany({ where: { accountId: order.accountId }, orderBy: { id: "asc" } });
    expect(entries.map((e) => [e.type, e.bucket, e.amount])).toEqual([["usdt_topup", "principal", 10_000_000n]]);

    await drain(h);
    const dms = h.standIn.messagesIn(h.standIn.dmChannelOf(customer.id)!);
    expect(dms).toHaveLength(1);
    expect(textOf(dms[0])).toContain("You paid ¥72.10 at 7.21 CNY per USD.");
    expect((await reconcile(h.services.prisma)).mismatches).toEqual([]);
  });
});
