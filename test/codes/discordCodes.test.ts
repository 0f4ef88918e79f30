import { MessageFlags } from "discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { IDS, interact, newUser, startHarness, textOf, type Harness } from "../discord/helpers.ts";
import { codesIn, codesStoredInClear, csvRows, expectReconciled, USD, written } from "./fixtures.ts";

/**
 * Redemption codes through the real discord.js client against the Discord stand-in: support makes
 * a batch with the slash command's named options and gets its CSV attached to the private reply;
 * a customer in Simplified Chinese redeems; support disables the batch.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ TRIAL_STAGE1_USD: "0" });
});
afterEach(async () => {
  await expectReconciled(h.services);
});
afterAll(async () => {
  await h?.close();
});

const en = (key: string, params: Record<string, string | number> = {}) => translate("en", key, params);
const zh = (key: string, params: Record<string, string | number> = {}) => translate("zh-CN", key, params);
const asSupport = { user: newUser("Ada Support"), roles: [IDS.supportRole], locale: "en-US" };

describe("Discord: redemption codes", () => {
  it("a batch made with named options comes back privately with its CSV attached; a customer redeems in Chinese; a disabled batch refuses", async () => {
    const made = await interact(h.standIn, h.standIn.slashCommand(asSupport, "codes", [
      { name: "action", value: "create" },
      { name: "amount", value: "3" },
      { name: "count", value: "2" },
      { name: "uses", value: "2" },
      { name: "note", value: "discord giveaway" },
    ]));
    const message = made.message!;
    expect(message.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    const text = textOf(message);
    const batch = /RC-\d{6}/.exec(text)![0];
    expect(text).toContain(en("codes.created.title", { batch, count: 2, amount: "$3.00" }));
    const codes = codesIn(text);
    expect(codes).toHaveLength(2);

    // The reply's own call carried the CSV, multipart, as discord.js sends files.
    const carrying = h.standIn.calls.filter((c) => c.files.length > 0 && (c.path.startsWith(`/interactions/${made.record.payload.id}/`) || c.path.includes(`/${made.record.payload.token}/`)));
    expect(carrying).toHaveLength(1);
    const [file] = carrying[0].files;
    expect(file.name).toBe(`redemption-codes-${batch}.csv`);
    expect(csvRows(new TextDecoder().decode(file.bytes)).slice(1).map((r) => r[2])).toEqual(codes);
    expect(message.attachments.map((a) => a.filename)).toEqual([file.name]);
    expect(await codesStoredInClear(h.services, codes)).toEqual([]);

    const customer = { user: newUser("Wang Redeemer"), roles: [IDS.memberRole], locale: "zh-CN" };
    const redeemed = await interact(h.standIn, h.standIn.slashCommand(customer, "redeem", [{ name: "code", value: codes[1] }]));
    expect(redeemed.message!.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(textOf(redeemed.message)).toContain(zh("codes.redeemed", { amount: "$3.00", batch, balance: "$3.00" }));

    const before = await written(h.services);
    const typo = await interact(h.standIn, h.standIn.slashCommand(customer, "redeem", [{ name: "code", value: "ABCD-EFGH-1234" }]));
    expect(textOf(typo.message)).toContain(zh("codes.errors.code_format"));
    const unknown = await interact(h.standIn, h.standIn.slashCommand(customer, "redeem", [{ name: "code", value: "ABCD-EFGH-JKMN-PQRS" }]));
    expect(textOf(unknown.message)).toContain(zh("codes.errors.unknown_code"));
    expect(await written(h.services)).toEqual(before);

    // A member without the support role is refused the support command, and nothing is made.
    const intruder = await interact(h.standIn, h.standIn.slashCommand(customer, "codes", [{ name: "action", value: "create" }, { name: "amount", value: "100" }, { name: "count", value: "1" }]));
    expect(textOf(intruder.message)).toContain(zh("errors.not_support"));

    const disabled = await interact(h.standIn, h.standIn.slashCommand(asSupport, "codes", [{ name: "action", value: "disable" }, { name: "batch", value: batch }]));
    expect(textOf(disabled.message)).toContain(en("codes.disabled", { batch, redeemed: 1 }));
    const listed = await interact(h.standIn, h.standIn.slashCommand(asSupport, "codes", [{ name: "action", value: "list" }]));
    expect(textOf(listed.message)).toContain(`${batch} · $3.00 × 2`);

    const other = { user: newUser("Late Redeemer"), roles: [IDS.memberRole], locale: "en-US" };
    const late = await interact(h.standIn, h.standIn.slashCommand(other, "redeem", [{ name: "code", value: codes[0] }]));
    expect(textOf(late.message)).toContain(en("codes.errors.disabled"));

    expect((await h.services.prisma.balance.findMany({ where: { bucket: "promo" } })).map((b) => b.amount)).toEqual([3n * USD]);
    await expectReconciled(h.services);
  });

  it("a new-accounts code used by an account made a month ago, and a code redeemed twice by one account, are refused in the caller's language with nothing written", async () => {
    const made = await interact(h.standIn, h.standIn.slashCommand(asSupport, "codes", [
      { name: "action", value: "create" },
      { name: "amount", value: "5" },
      { name: "count", value: "1" },
      { name: "uses", value: "3" },
      { name: "eligible", value: "new" },
    ]));
    const [code] = codesIn(textOf(made.message));
    const veteran = { user: newUser("Old Timer"), roles: [IDS.memberRole], locale: "zh-CN" };
    const fresh = { user: newUser("New Comer"), roles: [IDS.memberRole], locale: "en-US" };
    await interact(h.standIn, h.standIn.slashCommand(veteran, "balance"));
    // The account as it would be had it first written a month ago: account age is what the rule reads.
    const identity = await h.services.prisma.chatIdentity.findFirstOrThrow({ where: { platform: "discord", userId: veteran.user.id } });
    await h.services.prisma.account.update({ where: { id: identity.accountId }, data: { createdAt: new Date(Date.now() - 30 * 86_400_000) } });

    const first = await interact(h.standIn, h.standIn.slashCommand(fresh, "redeem", [{ name: "code", value: code }]));
    expect(textOf(first.message)).toContain(en("codes.redeemed", { amount: "$5.00", batch: /RC-\d{6}/.exec(textOf(made.message))![0], balance: "$5.00" }));

    const before = await written(h.services);
    const old = await interact(h.standIn, h.standIn.slashCommand(veteran, "redeem", [{ name: "code", value: code }]));
    expect(textOf(old.message)).toContain(zh("codes.errors.not_new", { days: 7 }));
    const twice = await interact(h.standIn, h.standIn.slashCommand(fresh, "redeem", [{ name: "code", value: code }]));
    expect(textOf(twice.message)).toContain(en("codes.errors.already_redeemed"));
    expect(await written(h.services)).toEqual(before);
  });
});
