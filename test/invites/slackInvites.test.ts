import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { confirmTopup } from "../../src/topups/confirmTopup.ts";
import { textOf, type SlackUser } from "../standins/slack.ts";
import { answerAt, button, clickEphemeral, deliverAll, slash, startSlackHarness, submittedTopup, support, type SlackHarness } from "../slack/harness.ts";
import { expectReconciled, spend, USD } from "../refunds/fixtures.ts";

/**
 * Invites through Slack's real Bolt receiver (signed requests) against the Web API stand-in: the
 * panel, accepting, the Transfer button, a self-invite refused, and a refund of the invitee's
 * top-up taking the reward back, with the inviter told in a direct message by the real outbox.
 */
let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness({ env: { TRIAL_STAGE1_USD: "0", INVITE_LINK_TEMPLATE: "https://platform.example.test/register?invite={code}" } });
});
afterEach(async () => {
  await expectReconciled(h.services);
});
afterAll(async () => {
  await h?.close();
});

const en = (key: string, params: Record<string, string | number> = {}) => translate("en", key, params);

async function ask(user: SlackUser, text: string) {
  const command = await slash(h, user, text);
  expect(command.response.status).toBe(200);
  const answer = await answerAt(h, command.responseUrl);
  expect(answer.response_type).toBe("ephemeral");
  return { text: textOf(answer.blocks as never), blocks: answer.blocks };
}

async function accountOf(userId: string): Promise<string> {
  const identity = await h.services.prisma.chatIdentity.findFirstOrThrow({ where: { platform: "slack", userId } });
  return identity.accountId;
}

describe("Slack: invites", () => {
  it("panel with code and link → accept → top-up → spend → Transfer button → refund takes the reward back, and the inviter is told", async () => {
    const ivy: SlackUser = { id: "U0INVITER1", name: "ivy" };
    const jon: SlackUser = { id: "U0INVITEE1", name: "jon" };
    const first = await ask(ivy, "invite");
    const code = new RegExp(`${en("invites.stats.code")}\\W+([A-Z2-9]{4}-[A-Z2-9]{4})`).exec(first.text)![1];
    expect(first.text).toContain(`https://platform.example.test/register?invite=${code}`);

    const self = await ask(ivy, `invite accept ${code}`);
    expect(self.text).toContain(en("invites.errors.self_invite"));
    expect(await ask(jon, `invite accept ${code}`)).toMatchObject({ text: expect.stringContaining(en("invites.accepted")) });

    const { order } = await submittedTopup(h, jon, "100", 0x1a71e);
    await confirmTopup(h.services, { orderRef: order.orderNo, decider: { type: "support", platform: "slack", workspaceId: h.standIn.teamId, userId: support.id }, principal: 100n * USD });
    let panel = await ask(ivy, "invite");
    expect(panel.text).toContain(`${en("invites.stats.pending", { unlock: "$10.00" })}`);
    expect(panel.text).toContain("$10.00");
    expect(() => button(panel.blocks, en("invites.stats.transfer_button", { amount: "$10.00" }))).toThrow();

    await spend(h.services, order.accountId, 12n * USD);
    panel = await ask(ivy, "invite");
    const click = await clickEphemeral(h, ivy, button(panel.blocks, en("invites.stats.transfer_button", { amount: "$10.00" })));
    expect(click.response.status).toBe(200);
    const moved = await answerAt(h, click.responseUrl);
    expect(textOf(moved.blocks as never)).toContain(en("invites.transferred", { amount: "$10.00", balance: "$10.00" }));

    // jon asks for $30 back and support approves: the invite now earns $7, so $3 comes back.
    const asked = await ask(jon, "refund 30 moving elsewhere");
    const refundNo = /RF-\d{6}/.exec(asked.text)![0];
    const approved = await ask(support, `refund-approve ${refundNo} WIRE-INV-0001`);
    expect(approved.text).toContain(refundNo);
    await deliverAll(h);
    const dms = h.standIn.messagesIn(h.standIn.dmChannelOf(ivy.id)!);
    expect(textOf(dms[dms.length - 1].blocks)).toContain(en("invites.dm.reversed", { reference: refundNo, amount: "$3.00" }));
    const ivyAccount = await accountOf(ivy.id);
    const entries = await h.services.prisma.ledgerEntry.findMany({ where: { accountId: ivyAccount, type: "referral_reward" }, orderBy: { id: "asc" } });
    expect(entries.map((e) => [e.bucket, e.amount])).toEqual([["promo", 10n * USD], ["promo", -3n * USD]]);
    await expectReconciled(h.services);
  });
});
