import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate, type Locale } from "../../src/i18n.ts";
import { escapeMrkdwn } from "../../src/platforms/slack/blockKit.ts";
import { onPostgres } from "../helpers/db.ts";
import { buttonsIn, textOf, type SlackUser } from "../standins/slack.ts";
import {
  answerAt,
  balanceOf,
  button,
  clickMessage,
  deliverAll,
  groupSupport,
  openedView,
  snapshot,
  startSlackHarness,
  submittedTopup,
  submitView,
  support,
  type SlackHarness,
} from "./harness.ts";

let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => {
  await h?.close();
});

const confirmLabel = translate("en", "topups.card.confirm");
const rejectLabel = translate("en", "topups.card.reject");

describe("support rights are checked on every click", () => {
  it("a click on Confirm by someone who is not support is refused and changes nothing", async () => {
    const customer: SlackUser = { id: "U0CUST0R01", name: "rita" };
    const outsider: SlackUser = { id: "U0OUTSIDE1", name: "olga" };
    const { order, card } = await submittedTopup(h, customer, "40", 0xb0b);
    const before = await snapshot(h);
    const auditBefore = await h.services.prisma.auditLog.count({ where: { outcome: "refused:not_support" } });

    const click = await clickMessage(h, outsider, button(card.blocks, confirmLabel), card);
    expect(click.response.status).toBe(200);
    const refusal = await answerAt(h, click.responseUrl);
    expect(refusal.response_type).toBe("ephemeral");
    expect(textOf(refusal.blocks as never)).toContain(translate("en", "errors.not_support"));

    expect(await snapshot(h)).toEqual(before);
    expect((await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("submitted");
    // The refusal itself is recorded, with who tried.
    const refusals = await h.services.prisma.auditLog.findMany({ where: { outcome: "refused:not_support", actorId: outsider.id } });
    expect(refusals).toHaveLength(1);
    expect(await h.services.prisma.auditLog.count({ where: { outcome: "refused:not_support" } })).toBe(auditBefore + 1);
    await deliverAll(h);
    expect(card.edits).toBe(0);
    expect(buttonsIn(card.blocks).length).toBeGreaterThan(0);
  });

  it("a member of the support user group may confirm (usergroups.users.list, asked with the bot token)", async () => {
    const customer: SlackUser = { id: "U0CUST0R02", name: "rudi" };
    const { order, card } = await submittedTopup(h, customer, "10", 0xb0c);
    const before = await balanceOf(h, customer.id);
    const click = await clickMessage(h, groupSupport, button(card.blocks, confirmLabel), card);
    const answer = await answerAt(h, click.responseUrl);
    expect(textOf(answer.blocks as never)).toContain(order.orderNo);
    // 10 USDT plus the order's unique suffix, and 20% of that.
    const { instructedAmount: paid } = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { id: order.id } });
    expect((await balanceOf(h, customer.id)) - before).toBe(paid + paid / 5n);
    const lookups = h.standIn.callsOf("usergroups.users.list");
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups.every((c) => c.token === h.standIn.botToken)).toBe(true);
  });

  it("the Reject button opens a reason modal; a reason of 'other' without a note is an error on the note field", async () => {
    const customer: SlackUser = { id: "U0CUST0R03", name: "rosa" };
    const { order, card } = await submittedTopup(h, customer, "15", 0xb0d);
    const viewsBefore = h.standIn.callsOf("views.open").length;
    const click = await clickMessage(h, support, button(card.blocks, rejectLabel), card);
    expect(click.response.status).toBe(200);
    const form = await openedView(h, viewsBefore);
    const before = await snapshot(h);
    const ack = await submitView(h, support, form, { reason: "other" });
    expect(ack.status).toBe(200);
    expect(ack.json).toEqual({ response_action: "errors", errors: { f_note: translate("en", "errors.reject_note_required") } });
    expect(await snapshot(h)).toEqual(before);
    expect((await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("submitted");
  });
});

describe("Reject with a reason tells the customer in their own language", () => {
  const cases: { locale: Locale; slackLocale: string; user: SlackUser; seed: number }[] = [
    { locale: "en", slackLocale: "en-GB", user: { id: "U0CUSTEN01", name: "emma" }, seed: 0xe11 },
    { locale: "zh-CN", slackLocale: "zh-CN", user: { id: "U0CUSTZH01", name: "wang" }, seed: 0xe12 },
  ];
  for (const { locale, slackLocale, user, seed } of cases) {
    it(`${slackLocale}: reason modal → card updated → DM in ${locale}`, async () => {
      h.standIn.setLocale(user.id, slackLocale);
      const { order, card } = await submittedTopup(h, user, "20", seed);
      const viewsBefore = h.standIn.callsOf("views.open").length;
      const click = await clickMessage(h, support, button(card.blocks, rejectLabel), card);
      const form = await openedView(h, viewsBefore);
      const note = "sent on <!channel> & BSC";
      const before = await balanceOf(h, user.id);
      const ack = await submitView(h, support, form, { reason: "wrong_network", note });
      expect(ack.status).toBe(200);
      expect(ack.text).toBe("");
      const answer = await answerAt(h, click.responseUrl);
      expect(textOf(answer.blocks as never)).toContain(order.orderNo);

      const rejected = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { id: order.id } });
      expect(rejected).toMatchObject({ status: "rejected", rejectReason: "wrong_network", rejectNote: note, locale });
      expect(await balanceOf(h, user.id)).toBe(before);

      await deliverAll(h);
      expect(card.edits).toBe(1);
      expect(buttonsIn(card.blocks)).toEqual([]);
      expect(textOf(card.blocks)).toContain(support.id);
      const dm = h.standIn.messagesIn(h.standIn.dmChannelOf(user.id)!);
      expect(dm).toHaveLength(1);
      const expected = translate(locale, "topups.dm.rejected", {
        order: order.orderNo,
        reason: translate(locale, "topups.reject_reason.wrong_network"),
        note: translate(locale, "topups.dm.rejected_note", { note }),
        accountId: order.accountId,
      });
      // The note is the support member's text: escaped, so it cannot ping the channel.
      expect(textOf(dm[0].blocks)).toBe(escapeMrkdwn(expected));
      expect(textOf(dm[0].blocks)).not.toContain("<!channel>");
      if (locale === "zh-CN") expect(textOf(dm[0].blocks)).not.toContain(translate("en", "topups.reject_reason.wrong_network"));
    });
  }
});

describe.skipIf(!onPostgres)("two Confirm clicks at once", () => {
  it("credit the order once", async () => {
    const customer: SlackUser = { id: "U0CUSTRACE", name: "raj" };
    const { order, card } = await submittedTopup(h, customer, "50", 0xdd1);
    const before = await balanceOf(h, customer.id);
    const confirm = button(card.blocks, confirmLabel);
    const clicks = await Promise.all([clickMessage(h, support, confirm, card), clickMessage(h, groupSupport, confirm, card)]);
    expect(clicks.map((c) => c.response.status)).toEqual([200, 200]);
    await Promise.all(clicks.map((c) => answerAt(h, c.responseUrl)));
    // 50 USDT plus the order's unique suffix, and 20% of that: once.
    const { instructedAmount: paid } = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { id: order.id } });
    expect((await balanceOf(h, customer.id)) - before).toBe(paid + paid / 5n);
    const principal = await h.services.prisma.ledgerEntry.count({ where: { type: "usdt_topup", account: { orders: { some: { id: order.id } } } } });
    expect(principal).toBe(1);
    await deliverAll(h);
    expect(h.standIn.messagesIn(h.standIn.dmChannelOf(customer.id)!)).toHaveLength(1);
    expect(card.edits).toBe(1);
  });
});
