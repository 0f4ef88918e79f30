import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { buttonsIn, textOf, type SlackUser } from "../standins/slack.ts";
import { answerAt, button, clickMessage, deliverAll, groupSupport, slash, startSlackHarness, support, type SlackHarness } from "../slack/harness.ts";
import { auditRows, bucketsOf, expectReconciled, USD, written } from "./helpers.ts";

/**
 * Through Slack's real Bolt receiver with signed requests, the Web API stand-in and the real
 * outbox: an adjustment above the threshold is asked with a slash command and a mention, its card
 * is posted in the support channel, the requester's click on Approve is refused, a member of the
 * support user group approves, and the card is edited in place.
 */
let h: SlackHarness;
const en = (key: string, params?: Record<string, string | number>) => translate("en", key, params);
const carol: SlackUser = { id: "U0CAROL001", name: "carol" };

beforeAll(async () => {
  h = await startSlackHarness({ env: { ADJUST_APPROVAL_USD: "100", TRIAL_STAGE1_USD: "0" } });
  const first = await slash(h, carol, "balance");
  await answerAt(h, first.responseUrl);
});
afterAll(async () => {
  await h?.close();
});

async function carolsAccount(): Promise<string> {
  return (await h.services.prisma.chatIdentity.findFirstOrThrow({ where: { platform: "slack", userId: carol.id } })).accountId;
}

describe("Slack: four eyes on a large adjustment", () => {
  it("/credits adjust <@U…|carol> +150 … waits; the requester's Approve is refused; a second member's Approve writes it once and edits the card", async () => {
    const account = await carolsAccount();
    const asked = await slash(h, support, `adjust <@${carol.id}|${carol.name}> +150 principal goodwill for the outage`);
    expect(asked.response.status).toBe(200);
    const answer = await answerAt(h, asked.responseUrl);
    expect(answer.response_type).toBe("ephemeral");
    const no = /ADJ-\d{6}/.exec(textOf(answer.blocks as never))![0];
    expect(textOf(answer.blocks as never)).toContain(`Adjustment ${no} of $150.00 (Principal) on account ${account} is above $100.00`);
    const request = await h.services.prisma.adjustmentRequest.findFirstOrThrow({ where: { seq: Number(no.slice(4)) } });
    expect(request).toMatchObject({ status: "pending", reason: "goodwill for the outage", surface: "slack", requestedById: support.id, requestedByWorkspace: h.standIn.teamId });
    expect(await h.services.prisma.ledgerEntry.count({ where: { accountId: account } })).toBe(0);

    await deliverAll(h);
    const posted = await h.services.prisma.supportCard.findUniqueOrThrow({ where: { cardKey_platform: { cardKey: `adjustment:${request.id}`, platform: "slack" } } });
    const card = h.standIn.messagesIn(posted.channelId).find((m) => m.ts === posted.messageId)!;
    expect(textOf(card.blocks)).toContain(`Adjustment ${no}`);
    expect(textOf(card.blocks)).toContain("goodwill for the outage");
    expect(buttonsIn(card.blocks).map((b) => b.text.text)).toEqual(["Approve", "Decline"]);

    const before = await written(h.services);
    const own = await clickMessage(h, support, button(card.blocks, "Approve"), card);
    expect(own.response.status).toBe(200);
    expect(textOf((await answerAt(h, own.responseUrl)).blocks as never)).toContain(en("support_tools.errors.own_request", { adjustment: no }));
    expect(await written(h.services)).toEqual(before);
    expect(await auditRows(h.services, { action: "adjustment.approve", outcome: "refused:own_request", actorId: support.id })).toHaveLength(1);
    await deliverAll(h);
    expect(card.edits).toBe(0);

    const approve = button(card.blocks, "Approve");
    const second = await clickMessage(h, groupSupport, approve, card);
    expect(textOf((await answerAt(h, second.responseUrl)).blocks as never)).toContain(`Adjustment ${no} approved: $150.00 written to the Principal bucket`);
    expect(await bucketsOf(h.services, account)).toEqual({ principal: 150n * USD });
    await deliverAll(h);
    expect(card.edits).toBe(1);
    expect(buttonsIn(card.blocks)).toEqual([]);
    expect(textOf(card.blocks)).toContain("Approved by");
    expect(textOf(card.blocks)).toContain(`${groupSupport.id}): $150.00 written to the Principal bucket`);

    // A click that was already on its way (the button as it was before the edit) writes nothing more.
    const late = await clickMessage(h, groupSupport, approve, card);
    expect(textOf((await answerAt(h, late.responseUrl)).blocks as never)).toContain(`${no} was already approved by`);
    expect(await h.services.prisma.ledgerEntry.count({ where: { reference: no } })).toBe(1);
    await expectReconciled(h.services);
  });

  it("a voucher by a member outside support is refused by dispatch, recorded with what they named, and writes nothing", async () => {
    const outsider: SlackUser = { id: "U0OUTSIDE9", name: "olga" };
    const before = await written(h.services);
    const tried = await slash(h, outsider, `voucher <@${carol.id}|carol> 50 sorry about that`);
    expect(textOf((await answerAt(h, tried.responseUrl)).blocks as never)).toContain(en("errors.not_support"));
    expect(await written(h.services)).toEqual(before);
    expect(await auditRows(h.services, { action: "voucher.grant", outcome: "refused:not_support" })).toMatchObject([
      { actorId: outsider.id, platform: "slack", detail: { account: `<@${carol.id}|carol>`, amount: "50", reason: "sorry about that" } },
    ]);
  });

  it("/credits account <@U…> answers the lookup privately", async () => {
    const looked = await slash(h, support, `account <@${carol.id}>`);
    const answer = await answerAt(h, looked.responseUrl);
    expect(answer.response_type).toBe("ephemeral");
    const text = textOf(answer.blocks as never);
    expect(text).toContain(`Account ${await carolsAccount()}`);
    expect(text).toContain(`slack:${carol.id}`);
    expect(text).toContain("Status: active");
  });

  it("an audit page of ten long rows fits one Slack message, every row whole", async () => {
    const account = await carolsAccount();
    const long = "y".repeat(480);
    for (let i = 0; i < 12; i++) {
      await h.services.prisma.auditLog.create({ data: { actorType: "support", actorId: support.id, platform: "slack", action: "account.suspend", outcome: "ok", accountId: account, detail: { reason: long, note: long } } });
    }
    const looked = await slash(h, support, `audit ${account}`);
    const answer = await answerAt(h, looked.responseUrl);
    const blocks = answer.blocks as { type: string; text?: { text: string } }[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    const rows = blocks.filter((b) => b.type === "section" && /^#\d+ · /.test(b.text?.text ?? ""));
    expect(rows).toHaveLength(10);
    for (const row of rows) expect(row.text!.text.length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(answer).length).toBeLessThan(40_000);
    expect(buttonsIn(answer.blocks as never).map((b) => b.text.text)).toEqual([en("support_tools.audit.older")]);
  });
});
