import { ComponentType, InteractionResponseType, type APIModalInteractionResponseCallbackData } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CUSTOM_ID_MAX } from "../../src/platforms/discord/customId.ts";
import { translate } from "../../src/i18n.ts";
import { renderButtons } from "../../src/platforms/discord/render.ts";
import { IDS, interact, newUser, startHarness, textOf, type Harness } from "./helpers.ts";

/**
 * A button or a form carries its command's arguments in a custom_id of at most 100 characters.
 * What a user types travels there too (a form opened for the argument they gave, a "Try again"
 * with what they sent), and encoded it can be longer. Found by `npm run reliability`'s fuzz
 * (seed 2079375863): both came back as "something went wrong on our side".
 */
let h: Harness;
const en = (key: string, params?: Record<string, string | number>) => translate("en", key, params);
const LONG = "𐌑𝡂ᖿ𝢂ﭪ𝂜𐂄♹ওᢪ"; // 10 characters; 120 once percent-encoded
const support = { user: newUser("Ada Support"), roles: [IDS.supportRole], locale: "en-US" };

beforeAll(async () => {
  h = await startHarness({ TRIAL_STAGE1_USD: "0" });
});
afterAll(async () => {
  await h?.close();
});

describe("Discord: typed values too long for a custom_id", () => {
  it("a form that cannot carry the argument typed: the user is told, in their language", async () => {
    expect(encodeURIComponent(LONG).length).toBeGreaterThan(CUSTOM_ID_MAX);
    const answer = await interact(h.standIn, h.standIn.slashCommand(support, "payment-dismiss", [{ name: "payment", value: LONG }]));
    expect(answer.callbackType).not.toBe(InteractionResponseType.Modal);
    expect(textOf(answer.message)).toContain(en("discord.too_long"));
    expect(textOf(answer.message)).not.toMatch(/went wrong/i);

    const zh = await interact(h.standIn, h.standIn.slashCommand({ ...support, locale: "zh-CN" }, "payment-dismiss", [{ name: "payment", value: LONG }]));
    expect(textOf(zh.message)).toContain(translate("zh-CN", "discord.too_long"));
  });

  it("a form asked again with what was typed, too long to carry: the user is told, and nothing is written", async () => {
    const customer = { user: newUser("Grace Customer"), roles: [IDS.memberRole], locale: "en-US" };
    await interact(h.standIn, h.standIn.slashCommand(customer, "topup", [
      { name: "method", value: "trc20" },
      { name: "amount", value: "10" },
    ]));
    // A form that asks for the order: what is typed there comes back in the proof form's own
    // custom_id. The order typed is garbage, and long. (With a hash typed too, the order is
    // checked first and refused as not an order number.)
    const modal = {
      custom_id: "cf:proof:",
      title: "Payment proof",
      components: [{ type: ComponentType.Label, label: "Order", component: { type: ComponentType.TextInput, custom_id: "order", style: 1, required: true } }],
    } as unknown as APIModalInteractionResponseCallbackData;
    const submitted = await interact(h.standIn, h.standIn.modalSubmit(customer, modal, { order: `${LONG} NaN ${LONG}` }));
    const text = textOf(submitted.message);
    expect(text).toContain(en("discord.too_long"));
    expect(text).not.toMatch(/went wrong/i);
    const [order] = await h.services.prisma.topupOrder.findMany({ where: { customerUserId: customer.user.id } });
    expect([order.status, order.txHash]).toEqual(["pending", null]);
  });

  it("a button that cannot carry what was typed is left out; the message's other buttons go out", () => {
    const rows = renderButtons([
      { kind: "cd", invocation: { command: "proof", args: { order: LONG } }, label: "Try again", style: "primary" },
      { kind: "cd", invocation: { command: "balance", args: {} }, label: "Balance", style: undefined },
    ]);
    expect(rows.flatMap((r) => r.components.map((c) => c.custom_id))).toEqual(["cd:balance:"]);
  });
});
