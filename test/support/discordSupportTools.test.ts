import { InteractionResponseType, MessageFlags, type APIUser } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { button, buttonsOf, IDS, interact, newUser, startHarness, textOf, type Harness } from "../discord/helpers.ts";
import { AUDIT_LINE_MAX } from "../../src/views/auditView.ts";
import { auditRows, bucketsOf, expectReconciled, USD, written } from "./helpers.ts";

/**
 * Through the real discord.js client against the Discord stand-in: support names a customer by
 * mention, grants a voucher, suspends the account (the customer's top-up is then refused), and
 * pages the account's audit log with its buttons, each page replacing the one clicked.
 */
let h: Harness;
const en = (key: string, params?: Record<string, string | number>) => translate("en", key, params);
const support = newUser("Ada Support");
const customer = newUser("Grace Customer");
const asSupport = { user: support, roles: [IDS.supportRole], locale: "en-US" };
const asCustomer = (user: APIUser) => ({ user, roles: [IDS.memberRole], locale: "en-US" });

beforeAll(async () => {
  h = await startHarness({ TRIAL_STAGE1_USD: "0", ADJUST_APPROVAL_USD: "100" });
  await interact(h.standIn, h.standIn.slashCommand(asCustomer(customer), "balance"));
});
afterAll(async () => {
  await h?.close();
});

async function accountOf(user: APIUser): Promise<string> {
  return (await h.services.prisma.chatIdentity.findFirstOrThrow({ where: { platform: "discord", userId: user.id } })).accountId;
}

describe("Discord: support tools through the real client", () => {
  it("/credits voucher <@!id> 12.5 … credits the promo bucket; a member without the support role is refused and recorded", async () => {
    const account = await accountOf(customer);
    const outsider = newUser("Mallory");
    const before = await written(h.services);
    const refused = await interact(h.standIn, h.standIn.slashCommand(asCustomer(outsider), "voucher", [
      { name: "account", value: `<@!${customer.id}>` },
      { name: "amount", value: "500" },
      { name: "reason", value: "trust me" },
    ]));
    expect(textOf(refused.message)).toContain(en("errors.not_support"));
    expect(await written(h.services)).toEqual(before);
    expect(await auditRows(h.services, { action: "voucher.grant", outcome: "refused:not_support" })).toMatchObject([{ actorId: outsider.id, platform: "discord" }]);

    const granted = await interact(h.standIn, h.standIn.slashCommand(asSupport, "voucher", [
      { name: "account", value: `<@!${customer.id}>` },
      { name: "amount", value: "12.5" },
      { name: "reason", value: "latency incident" },
    ]));
    expect(granted.message!.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(textOf(granted.message)).toMatch(/✅ Voucher ADJ-\d{6} written: \$12\.50 to the Promo bucket/);
    expect(await bucketsOf(h.services, account)).toEqual({ promo: 12_500_000n });
    await expectReconciled(h.services);
  });

  it("/credits suspend <@id> …: the customer's /credits topup is refused and writes nothing; the lookup shows the suspension", async () => {
    const account = await accountOf(customer);
    const suspended = await interact(h.standIn, h.standIn.slashCommand(asSupport, "suspend", [
      { name: "account", value: `<@${customer.id}>` },
      { name: "reason", value: "disputed payment" },
    ]));
    expect(textOf(suspended.message)).toContain(en("support_tools.suspend.done", { account }));

    const before = await written(h.services);
    const topup = await interact(h.standIn, h.standIn.slashCommand(asCustomer(customer), "topup", [
      { name: "method", value: "trc20" },
      { name: "amount", value: "10" },
    ]));
    expect(textOf(topup.message)).toContain(en("errors.account_suspended"));
    expect(await written(h.services)).toEqual(before);

    const looked = await interact(h.standIn, h.standIn.slashCommand(asSupport, "account", [{ name: "query", value: `<@${customer.id}>` }]));
    expect(textOf(looked.message)).toContain("Status: suspended by");
    expect(textOf(looked.message)).toContain("Reason: disputed payment");
  });

  it("/credits audit pages with buttons: Older replaces the page in place, Newest comes back", async () => {
    const account = await accountOf(customer);
    for (let i = 0; i < 12; i++) await interact(h.standIn, h.standIn.slashCommand(asSupport, "account", [{ name: "query", value: account }]));
    const ids = (await h.services.prisma.auditLog.findMany({ where: { accountId: account }, orderBy: { id: "desc" }, select: { id: true } })).map((r) => `#${r.id} `);

    const first = await interact(h.standIn, h.standIn.slashCommand(asSupport, "audit", [{ name: "target", value: `<@${customer.id}>` }]));
    const page1 = textOf(first.message);
    expect(page1).toContain(en("support_tools.audit.title_account", { id: account }));
    expect(ids.slice(0, 10).every((id) => page1.includes(id))).toBe(true);
    expect(page1).not.toContain(ids[10]);
    expect(buttonsOf(first.message).map((b) => b.label)).toEqual([en("support_tools.audit.older")]);

    const older = await interact(h.standIn, h.standIn.buttonClick(asSupport, first.message!.id, button(first.message, "cd:audit:")));
    expect(older.callbackType).toBe(InteractionResponseType.UpdateMessage);
    const page2 = h.standIn.messages.get(first.message!.id)!;
    expect(ids.slice(10, 20).every((id) => textOf(page2).includes(id))).toBe(true);
    expect(textOf(page2)).not.toContain(ids[0]);
    expect(buttonsOf(page2).map((b) => b.label)).toContain(en("support_tools.audit.newest"));

    const newest = buttonsOf(page2).find((b) => b.label === en("support_tools.audit.newest"))!;
    await interact(h.standIn, h.standIn.buttonClick(asSupport, page2.id, newest.customId));
    expect(textOf(h.standIn.messages.get(first.message!.id)!)).toContain(ids[0]);
  });

  it("an audit page of ten long rows fits one Discord embed", async () => {
    const account = await accountOf(customer);
    const long = "x".repeat(480);
    for (let i = 0; i < 10; i++) {
      await h.services.prisma.auditLog.create({ data: { actorType: "support", actorId: support.id, platform: "discord", action: "adjustment.request", outcome: "refused:below_zero", accountId: account, detail: { reason: long, bucket: "principal", amount: "-1", note: long, extra: long } } });
    }
    const page = await interact(h.standIn, h.standIn.slashCommand(asSupport, "audit", [{ name: "target", value: account }]));
    const embeds = page.message!.embeds;
    const characters = embeds.reduce((n, e) => n + (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0), 0);
    expect(characters).toBeLessThanOrEqual(6000);
    for (const e of embeds) expect(e.description?.length ?? 0).toBeLessThanOrEqual(4096);
    // Nothing was cut away by the renderer: every row is there, each whole at its own limit.
    // Discord markdown escapes the leading # ("\#12"); the time is a <t:…> timestamp, shorter than the view's token.
    const rows = textOf(page.message).split("\n").filter((l) => /^\\?#\d+ · /.test(l));
    expect(rows).toHaveLength(10);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(AUDIT_LINE_MAX);
    for (const row of rows) expect(row).toMatch(/ · <t:\d+:f> · .*…$/);
    expect(await bucketsOf(h.services, account)).toEqual({ promo: 12n * USD + 500_000n });
  });
});
