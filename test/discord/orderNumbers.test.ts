import { InteractionResponseType } from "discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import type { Caller } from "../../src/core/command.ts";
import { DISCORD_WORKSPACE } from "../../src/platforms/discord/caller.ts";
import { register } from "../../src/platforms/discord/listeners/autocomplete.ts";
import type { Services } from "../../src/services.ts";
import { cancelOrder } from "../../src/topups/cancelOrder.ts";
import { createOrder } from "../../src/topups/createOrder.ts";
import { rejectTopup } from "../../src/topups/rejectTopup.ts";
import { submitProof } from "../../src/topups/submitProof.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";
import { autocomplete, callbackOf, discordUser, fakeDiscord, IDS, stringOption, unitDeps, type FakeDiscord } from "./listeners/kit.ts";

/**
 * Order numbers suggested while typing, from the real database through the real listener: a
 * customer sees their own open orders, support the queue (and, for reopen, rejected orders), and
 * nobody is shown an order the command would not let them act on.
 */

let services: Services;
let clock = Date.parse("2026-11-29T10:00:00Z");
const tick = () => new Date((clock += 60_000));

const alice = discordUser("Alice");
const bob = discordUser("Bob");
const support = discordUser("Support Sam");
const stranger = discordUser("Stranger");

function callerFor(user: { id: string }): Caller {
  return { platform: "discord", workspaceId: DISCORD_WORKSPACE, userId: user.id, locale: "en", isSupport: false };
}

async function order(user: { id: string }, amount: string, methodId = "bank") {
  const caller = callerFor(user);
  const { id: accountId } = await resolveAccount(services, caller);
  const created = await createOrder(services, { accountId, caller, methodId, amount });
  return { ...created, accountId, caller };
}

async function submitted(user: { id: string }, amount: string) {
  const o = await order(user, amount);
  await submitProof(services, { accountId: o.accountId, caller: o.caller, orderRef: o.orderNo, txHash: `REF-${o.orderNo}`, screenshot: { name: "proof.png", bytes: PNG_BYTES } });
  return o;
}

let discord: FakeDiscord;
afterEach(async () => {
  await discord?.destroy();
});

/** What the real listener suggests to `who` typing `typed` into the order option of a subcommand. */
async function suggest(who: { user: ReturnType<typeof discordUser>; roles?: string[] }, subcommand: string, typed: string, command = "credits"): Promise<{ name: string; value: string }[]> {
  discord = fakeDiscord();
  register(discord.client, { ...unitDeps(), services });
  discord.receive(autocomplete(who, subcommand, [stringOption("order", typed, true)], command));
  const sent = await discord.settled(1);
  const callback = callbackOf(sent);
  expect(callback.type).toBe(InteractionResponseType.ApplicationCommandAutocompleteResult);
  await discord.destroy();
  return callback.data.choices;
}

const orders: Record<string, string> = {};

beforeAll(async () => {
  services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" }, now: () => new Date(clock) });
  // Alice: two pending, one submitted, one cancelled. Bob: one submitted, one pending.
  tick();
  orders.aliceSubmitted = (await submitted(alice, "100")).orderNo;
  tick();
  orders.bobSubmitted = (await submitted(bob, "75")).orderNo;
  tick();
  orders.alicePending1 = (await order(alice, "50")).orderNo;
  tick();
  const cancelled = await order(alice, "60");
  await cancelOrder(services, { accountId: cancelled.accountId, caller: cancelled.caller, orderRef: cancelled.orderNo });
  orders.aliceCancelled = cancelled.orderNo;
  tick();
  orders.alicePending2 = (await order(alice, "55")).orderNo;
  tick();
  orders.bobPending = (await order(bob, "80")).orderNo;
});
afterAll(async () => {
  await services?.db.close();
});

describe("order-number autocomplete", () => {
  it("a customer is offered their own open orders, newest first, each named by number, amount, status and time; never anyone else's, never a closed one", async () => {
    const choices = await suggest({ user: alice }, "check", "");
    expect(choices.map((c) => c.value)).toEqual([orders.alicePending2, orders.alicePending1, orders.aliceSubmitted]);
    expect(choices[0].name).toMatch(new RegExp(`^${orders.alicePending2} · \\$55\\.00 · `));
    expect(choices.every((c) => c.name.length <= 100 && !c.name.includes("**") && !c.name.includes("⟦"))).toBe(true);

    const bobs = await suggest({ user: bob }, "check", "");
    expect(bobs.map((c) => c.value)).toEqual([orders.bobPending, orders.bobSubmitted]);
  });

  it("cancel and proof offer only orders still pending: a submitted order can be neither cancelled nor proved again", async () => {
    expect((await suggest({ user: alice }, "cancel", "")).map((c) => c.value)).toEqual([orders.alicePending2, orders.alicePending1]);
    expect((await suggest({ user: bob }, "proof", "")).map((c) => c.value)).toEqual([orders.bobPending]);
  });

  it("filters by what was typed: the number with or without its prefix, in any case; text that cannot be an order number matches nothing", async () => {
    const digits = orders.alicePending1.replace(/^CD-0*/, "");
    expect((await suggest({ user: alice }, "cancel", digits)).map((c) => c.value)).toContain(orders.alicePending1);
    expect((await suggest({ user: alice }, "cancel", orders.alicePending1.toLowerCase())).map((c) => c.value)).toEqual([orders.alicePending1]);
    expect(await suggest({ user: alice }, "cancel", orders.bobPending)).toEqual([]);
    expect(await suggest({ user: alice }, "cancel", "'; drop table")).toEqual([]);
  });

  it("support typing into a support command is offered the queue: submitted orders of every account, longest waiting first", async () => {
    const choices = await suggest({ user: support, roles: [IDS.supportRole] }, "confirm", "", "credits-admin");
    expect(choices.map((c) => c.value)).toEqual([orders.aliceSubmitted, orders.bobSubmitted]);
    expect(choices[0].name).toMatch(new RegExp(`^${orders.aliceSubmitted} · \\$100\\.00 · Bank transfer · `));
  });

  it("a member without the support role typing into a support command is offered nothing", async () => {
    expect(await suggest({ user: stranger }, "confirm", "", "credits-admin")).toEqual([]);
    expect(await suggest({ user: alice }, "reject", "", "credits-admin")).toEqual([]);
  });

  it("reopen offers support the rejected orders; a rejected order leaves the queue", async () => {
    await rejectTopup(services, { orderRef: orders.bobSubmitted, reason: "wrong_network", decider: { type: "support", platform: "discord", workspaceId: DISCORD_WORKSPACE, userId: support.id } });
    const asSupport = { user: support, roles: [IDS.supportRole] };
    expect((await suggest(asSupport, "reopen", "", "credits-admin")).map((c) => c.value)).toEqual([orders.bobSubmitted]);
    expect((await suggest(asSupport, "confirm", "", "credits-admin")).map((c) => c.value)).toEqual([orders.aliceSubmitted]);
    expect(await suggest({ user: bob }, "reopen", "", "credits-admin")).toEqual([]);
  });

  it("someone without an account is offered nothing, and typing does not create an account", async () => {
    const before = await services.prisma.account.count();
    expect(await suggest({ user: stranger }, "cancel", "")).toEqual([]);
    expect(await services.prisma.account.count()).toBe(before);
  });
});
