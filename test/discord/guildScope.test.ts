import { InteractionResponseType, MessageFlags, type APIUser } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { button, IDS, interact, newUser, startHarness, textOf, type Harness } from "./helpers.ts";

/**
 * The bot serves the guilds DISCORD_GUILD_ID lists, and never a DM. Interactions are sent by the
 * gateway stand-in to the real discord.js client; one from elsewhere is answered privately, in the
 * user's language, and runs nothing: no account, no order, no change to an order.
 */
const OTHER_GUILD = "1190000000000000777";
const SECOND_SERVED = "1190000000000000888";

async function identityCount(h: Harness, user: APIUser): Promise<number> {
  return h.services.prisma.chatIdentity.count({ where: { platform: "discord", userId: user.id } });
}

function expectRefusal(answer: Awaited<ReturnType<typeof interact>>, key: "discord.not_here.direct_message" | "discord.not_here.other_guild", locale: "en" | "zh-CN" = "en", command = "/credits") {
  expect(answer.callbackType).toBe(InteractionResponseType.ChannelMessageWithSource);
  expect(answer.sent?.flags ?? 0).toBe((answer.sent?.flags ?? 0) | MessageFlags.Ephemeral);
  expect(textOf(answer.sent)).toBe(translate(locale, key, { command }));
}

describe("Discord with DISCORD_GUILD_ID listing the served guilds", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DISCORD_GUILD_ID: `${SECOND_SERVED}, ${IDS.guildId}` });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("runs a command in a listed guild", async () => {
    const user = newUser("Served Sam");
    const answer = await interact(h.standIn, h.standIn.slashCommand({ user, roles: [IDS.memberRole] }, "balance"));
    expect(textOf(answer.sent)).not.toContain(translate("en", "discord.not_here.other_guild", { command: "/credits" }));
    expect(await identityCount(h, user)).toBe(1);
  });

  it("refuses a command, a click and a form from a guild it does not list, and runs none of them", async () => {
    const user = newUser("Elsewhere Eve");
    const command = await interact(h.standIn, h.standIn.slashCommand({ user, guildId: OTHER_GUILD }, "topup", [
      { name: "method", value: "trc20" },
      { name: "amount", value: "10" },
    ]));
    expectRefusal(command, "discord.not_here.other_guild");

    // A real order, made in the served guild, and its buttons clicked from the other guild.
    const owner = newUser("Owner Olga");
    const made = await interact(h.standIn, h.standIn.slashCommand({ user: owner, roles: [IDS.memberRole] }, "topup", [
      { name: "method", value: "trc20" },
      { name: "amount", value: "10" },
    ]));
    const cancel = button(made.message, "cd:cancel:");
    const click = await interact(h.standIn, h.standIn.buttonClick({ user: owner, guildId: OTHER_GUILD }, made.message!.id, cancel));
    expectRefusal(click, "discord.not_here.other_guild");

    const proof = button(made.message, "cd:proof:");
    const opened = await interact(h.standIn, h.standIn.buttonClick({ user: owner, roles: [IDS.memberRole] }, made.message!.id, proof));
    expect(opened.callbackType).toBe(InteractionResponseType.Modal);
    const submitted = await interact(h.standIn, h.standIn.modalSubmit({ user: owner, guildId: OTHER_GUILD }, opened.modal!, { txHash: "ab".repeat(32) }, made.message!.id));
    expectRefusal(submitted, "discord.not_here.other_guild");

    expect(await identityCount(h, user)).toBe(0);
    const orders = await h.services.prisma.topupOrder.findMany({ where: { customerUserId: { in: [user.id, owner.id] } } });
    expect(orders.map((o) => [o.customerUserId, o.status, o.txHash])).toEqual([[owner.id, "pending", null]]);
  });

  it("refuses a command and a click from a DM, in the user's language", async () => {
    const user = newUser("Direct Dana");
    expectRefusal(await interact(h.standIn, h.standIn.slashCommand({ user, inDm: true }, "balance")), "discord.not_here.direct_message");
    expectRefusal(await interact(h.standIn, h.standIn.slashCommand({ user, inDm: true, locale: "zh-CN" }, "balance")), "discord.not_here.direct_message", "zh-CN");
    // The support command is refused the same way, naming the command that was typed.
    const adminInDm = h.standIn.slashCommand({ user, inDm: true }, "queue");
    expectRefusal(await interact(h.standIn, { ...adminInDm, data: { ...adminInDm.data, name: "credits-admin" } }), "discord.not_here.direct_message", "en", "/credits-admin");

    const made = await interact(h.standIn, h.standIn.slashCommand({ user, roles: [IDS.memberRole] }, "topup", [
      { name: "method", value: "trc20" },
      { name: "amount", value: "10" },
    ]));
    const identities = await identityCount(h, user);
    expectRefusal(await interact(h.standIn, h.standIn.buttonClick({ user, inDm: true }, made.message!.id, button(made.message, "cd:cancel:"))), "discord.not_here.direct_message");
    expect(await identityCount(h, user)).toBe(identities);
    const orders = await h.services.prisma.topupOrder.findMany({ where: { customerUserId: user.id } });
    expect(orders.map((o) => o.status)).toEqual(["pending"]);
  });
});

describe("Discord with no DISCORD_GUILD_ID", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("serves any guild the bot is in, as before", async () => {
    const user = newUser("Anywhere Ann");
    const answer = await interact(h.standIn, h.standIn.slashCommand({ user, guildId: OTHER_GUILD }, "balance"));
    expect(textOf(answer.sent)).not.toContain(translate("en", "discord.not_here.other_guild", { command: "/credits" }));
    expect(await identityCount(h, user)).toBe(1);
  });

  it("still refuses a DM: the command is for guilds only", async () => {
    const user = newUser("Direct Dan");
    expectRefusal(await interact(h.standIn, h.standIn.slashCommand({ user, inDm: true }, "balance")), "discord.not_here.direct_message");
    expect(await identityCount(h, user)).toBe(0);
  });
});
