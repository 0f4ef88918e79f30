import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import { PNG_BYTES } from "../helpers/services.ts";
import {
  answerAt,
  balanceOf,
  button,
  clickEphemeral,
  clickMessage,
  customer,
  deliverAll,
  openedView,
  slash,
  startSlackHarness,
  submitView,
  support,
  SUPPORT_CHANNEL,
  txHash,
  type SlackHarness,
} from "../slack/harness.ts";
import { buttonsIn, textOf } from "../standins/slack.ts";
import { USDT_X } from "./pricingMethods.ts";

let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness({ env: { TRIAL_STAGE1_USD: "0" } });
  // The harness serves the usual test methods; the app reads its services' methods on every
  // request, so adding the network with tiers here is what a deploy with that file would serve.
  h.services.methods.methods.push(...parseMethods({ methods: [USDT_X] }).methods);
});
afterAll(async () => {
  await h?.close();
});

const en = (key: string, params: Record<string, string> = {}) => translate("en", key, params);

describe("a preset tier through Slack: form with tiers → confirmation → instructions → proof → Confirm", () => {
  it("the $200 tier at 10% asks 180 USDT plus the suffix and credits it as principal with $20 of bonus; reconcile is clean", async () => {
    const { standIn } = h;

    // The form offers the tiers beside the free amount, which is no longer required.
    const viewsBefore = standIn.callsOf("views.open").length;
    const command = await slash(h, customer, "topup");
    const form = await openedView(h, viewsBefore);
    const inputs = form.view.blocks.filter((b: { type: string }) => b.type === "input");
    expect(inputs.map((b: { element: { action_id: string; type: string }; optional: boolean }) => [b.element.action_id, b.element.type, b.optional])).toEqual([
      ["method", "static_select", false],
      ["amount", "plain_text_input", true],
      ["preset", "static_select", true],
    ]);
    const presetInput = inputs.find((b: { element: { action_id: string } }) => b.element.action_id === "preset");
    expect(presetInput.element.options.map((o: { value: string; text: { text: string } }) => [o.value, o.text.text])).toEqual([
      ["50", "$50.00 — 5% off"],
      ["100", "$100.00 — 5% off"],
      ["200", "$200.00 — 10% off"],
      ["500", "$500.00 — 15% off"],
      ["1000", "$1,000.00 — 20% off"],
    ]);

    // Submitting a tier answers with the confirmation: original, discount, final. Nothing is ordered yet.
    const submitted = await submitView(h, customer, form, { method: "usdt-x", preset: "200" });
    expect(submitted.status).toBe(200);
    const confirmation = await answerAt(h, command.responseUrl);
    expect(confirmation.response_type).toBe("ephemeral");
    const shown = textOf(confirmation.blocks as never);
    expect(shown).toContain(en("pricing.confirm.title"));
    expect(shown).toContain("$200.00");
    expect(shown).toContain("−$20.00 (10%)");
    expect(shown).toContain("180 USDT");
    expect(buttonsIn(confirmation.blocks as never).map((b) => b.text.text)).toEqual([en("pricing.confirm.confirm"), en("common.back")]);
    expect(await h.services.prisma.topupOrder.count({ where: { customerUserId: customer.id } })).toBe(0);

    // Confirm: the instructions replace the confirmation, so its button cannot order twice.
    const confirm = await clickEphemeral(h, customer, button(confirmation.blocks, en("pricing.confirm.confirm")));
    expect(confirm.response.status).toBe(200);
    const instructions = await answerAt(h, confirm.responseUrl);
    expect(instructions).toMatchObject({ response_type: "ephemeral", replace_original: true });
    const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: customer.id } });
    expect(order).toMatchObject({ requestedAmount: 180_000_000n, presetAmount: 200_000_000n, discountAmount: 20_000_000n, attribution: "unique-amount" });
    const paid = order.instructedAmount;
    expect(paid > 180_000_000n && paid <= 180_099_900n).toBe(true);
    expect(textOf(instructions.blocks as never)).toContain(order.orderNo);

    // Proof, card, Confirm.
    const proofViews = standIn.callsOf("views.open").length;
    const proofClick = await clickEphemeral(h, customer, button(instructions.blocks, en("topups.instructions.submit_proof")));
    const proofForm = await openedView(h, proofViews);
    const png = standIn.addFile({ name: "paid.png", mimetype: "image/png", bytes: PNG_BYTES, user: customer.id });
    // An EVM network's hash is written with its 0x.
    const proof = await submitView(h, customer, proofForm, { txHash: `0x${txHash(0x5200)}`, screenshot: [png] });
    expect([proof.status, proof.text]).toEqual([200, ""]);
    await answerAt(h, proofClick.responseUrl);
    await deliverAll(h);
    const card = standIn.messagesIn(SUPPORT_CHANNEL).find((m) => textOf(m.blocks).includes(order.orderNo))!;
    expect(textOf(card.blocks)).toContain("$200.00, $20.00 discount credited as bonus");
    const before = await balanceOf(h, customer.id);
    const decided = await clickMessage(h, support, button(card.blocks, en("topups.card.confirm")), card);
    expect(decided.response.status).toBe(200);
    await answerAt(h, decided.responseUrl);
    expect((await balanceOf(h, customer.id)) - before).toBe(paid + 20_000_000n);
    const entries = await h.services.prisma.ledgerEntry.findMany({ where: { accountId: order.accountId, reference: order.orderNo }, orderBy: { id: "asc" } });
    expect(entries.map((e) => [e.type, e.bucket, e.amount])).toEqual([
      ["usdt_topup", "principal", paid],
      ["topup_bonus", "bonus", 20_000_000n],
    ]);
    expect((await reconcile(h.services.prisma)).mismatches).toEqual([]);
  });
});
