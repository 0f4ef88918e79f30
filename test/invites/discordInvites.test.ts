import { MessageFlags } from "discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { confirmTopup } from "../../src/topups/confirmTopup.ts";
import { attachmentOf, IDS, interact, newUser, randomHash, startHarness, textOf, type Harness } from "../discord/helpers.ts";
import { PNG_BYTES } from "../helpers/services.ts";
import { expectReconciled, spend, USD } from "../refunds/fixtures.ts";

/**
 * Invites through the real discord.js client against the Discord stand-in, in Simplified Chinese:
 * the panel, accepting with the slash command's options, a transfer refused while the reward is
 * locked, then made once the invitee has spent; a cycle refused.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ TRIAL_STAGE1_USD: "0", INVITE_REWARD_BPS: "500", INVITE_UNLOCK_USD: "5" });
});
afterEach(async () => {
  await expectReconciled(h.services);
});
afterAll(async () => {
  await h?.close();
});

const zh = (key: string, params: Record<string, string | number> = {}) => translate("zh-CN", key, params);
const support = newUser("Ada Support");

async function confirmedTopup(who: { user: { id: string }; roles: string[]; locale: string }, usd: bigint): Promise<string> {
  await interact(h.standIn, h.standIn.slashCommand(who as never, "topup", [{ name: "method", value: "trc20" }, { name: "amount", value: String(usd) }]));
  const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: who.user.id }, orderBy: { seq: "desc" } });
  await interact(h.standIn, h.standIn.slashCommand(who as never, "proof", [{ name: "order", value: order.orderNo }, { name: "tx_hash", value: randomHash() }], { screenshot: attachmentOf(h, "paid.png", PNG_BYTES, "image/png") }));
  await confirmTopup(h.services, { orderRef: order.orderNo, decider: { type: "support", platform: "discord", workspaceId: "discord", userId: support.id }, principal: usd * USD });
  return order.accountId;
}

describe("Discord: invites", () => {
  it("panel → accept by option → locked transfer refused → spend → transfer once; a cycle and a self-invite are refused", async () => {
    const inviter = { user: newUser("Li Inviter"), roles: [IDS.memberRole], locale: "zh-CN" };
    const invitee = { user: newUser("Zhao Invitee"), roles: [IDS.memberRole], locale: "zh-CN" };
    const shown = await interact(h.standIn, h.standIn.slashCommand(inviter, "invite"));
    expect(shown.message!.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    const code = /([A-Z2-9]{4}-[A-Z2-9]{4})/.exec(textOf(shown.message))![1];
    expect(textOf(shown.message)).toContain(zh("invites.stats.how", { command: `invite accept ${code}`, days: 7, rate: "5%", unlock: "$5.00" }));

    const accepted = await interact(h.standIn, h.standIn.slashCommand(invitee, "invite", [{ name: "action", value: "accept" }, { name: "code", value: code }]));
    expect(textOf(accepted.message)).toContain(zh("invites.accepted"));

    // The invitee's code cannot bring the inviter in under them.
    const back = /([A-Z2-9]{4}-[A-Z2-9]{4})/.exec(textOf((await interact(h.standIn, h.standIn.slashCommand(invitee, "invite"))).message))![1];
    const cycle = await interact(h.standIn, h.standIn.slashCommand(inviter, "invite", [{ name: "action", value: "accept" }, { name: "code", value: back }]));
    expect(textOf(cycle.message)).toContain(zh("invites.errors.cycle"));
    const self = await interact(h.standIn, h.standIn.slashCommand(inviter, "invite", [{ name: "action", value: "accept" }, { name: "code", value: code }]));
    expect(textOf(self.message)).toContain(zh("invites.errors.self_invite"));
    expect(await h.services.prisma.invite.count()).toBe(1);

    const inviteeAccount = await confirmedTopup(invitee, 40n);
    const locked = await interact(h.standIn, h.standIn.slashCommand(inviter, "invite", [{ name: "action", value: "transfer" }]));
    expect(textOf(locked.message)).toContain(zh("invites.errors.nothing_unlocked", { pending: "$2.00" }));

    await spend(h.services, inviteeAccount, 5n * USD);
    const moved = await interact(h.standIn, h.standIn.slashCommand(inviter, "invite", [{ name: "action", value: "transfer" }]));
    expect(textOf(moved.message)).toContain(zh("invites.transferred", { amount: "$2.00", balance: "$2.00" }));
    const again = await interact(h.standIn, h.standIn.slashCommand(inviter, "invite", [{ name: "action", value: "transfer" }]));
    expect(textOf(again.message)).toContain(zh("invites.errors.nothing_to_transfer"));
    const identity = await h.services.prisma.chatIdentity.findFirstOrThrow({ where: { platform: "discord", userId: inviter.user.id } });
    expect((await h.services.prisma.ledgerEntry.findMany({ where: { accountId: identity.accountId, type: "referral_reward" } })).map((e) => e.amount)).toEqual([2n * USD]);
    await expectReconciled(h.services);
  });
});
