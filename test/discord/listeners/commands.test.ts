import { ButtonStyle, InteractionResponseType, MessageFlags } from "discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../../src/i18n.ts";
import { register } from "../../../src/platforms/discord/listeners/commands.ts";
import { textReply } from "../../../src/reply.ts";
import { PNG_BYTES } from "../../helpers/services.ts";
import { attachmentOption, botMessage, buttonClick, callbackOf, discordUser, fakeCdn, fakeDiscord, IDS, slashCommand, stringOption, unitDeps, type FakeCdn, type FakeDiscord } from "./kit.ts";

let discord: FakeDiscord;
let cdn: FakeCdn;
beforeAll(async () => {
  cdn = await fakeCdn();
});
afterAll(async () => {
  await cdn.close();
});
afterEach(async () => {
  await discord?.destroy();
});

describe("Discord command listener (/credits <subcommand>)", () => {
  it("dispatches the subcommand with the caller from the member and the options as arguments, and answers privately", async () => {
    discord = fakeDiscord();
    const deps = unitDeps();
    register(discord.client, deps);
    const user = discordUser("Ada Lovelace");
    discord.receive(slashCommand({ user, roles: [IDS.supportRole], nick: "Ada (billing)", locale: "zh-CN" }, "topup", [stringOption("method", "trc20"), stringOption("amount", "10")]));

    const sent = await discord.settled(1);
    expect(deps.dispatched).toEqual([
      {
        caller: { platform: "discord", workspaceId: "discord", userId: user.id, displayName: "Ada (billing)", locale: "zh-CN", isSupport: true },
        command: "topup",
        args: { method: "trc20", amount: "10" },
      },
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0].path).toMatch(/^\/interactions\/\d+\/unit-\d+\/callback$/);
    expect(callbackOf(sent)).toEqual({ type: InteractionResponseType.ChannelMessageWithSource, data: expect.objectContaining({ content: "done", flags: MessageFlags.Ephemeral }) });
  });

  it("a member without a support role is not support; option names come back in the registry's spelling; an attachment is downloaded at once", async () => {
    discord = fakeDiscord();
    const deps = unitDeps(undefined, cdn.env);
    register(discord.client, deps);
    const user = discordUser("Grace");
    const screenshot = cdn.attachment("receipt.png", PNG_BYTES, "image/png");
    discord.receive(slashCommand({ user, roles: [IDS.memberRole] }, "proof", [stringOption("order", "CD-000007"), stringOption("tx_hash", "0xabc"), attachmentOption("screenshot", screenshot)], { attachments: [screenshot] }));

    await discord.settled(1);
    expect(deps.dispatched).toHaveLength(1);
    const { caller, command, args } = deps.dispatched[0];
    expect(caller).toMatchObject({ userId: user.id, displayName: "Grace", locale: "en", isSupport: false });
    expect(command).toBe("proof");
    expect(args).toEqual({ order: "CD-000007", txHash: "0xabc", screenshot: { name: "receipt.png", bytes: PNG_BYTES, claimedType: "image/png" } });
  });

  it("a reply that is a form opens it as a modal; a public reply is not ephemeral", async () => {
    discord = fakeDiscord();
    const deps = unitDeps((command) =>
      command === "topup"
        ? { blocks: [], form: { command: "topup", args: {}, title: "Top up", submitLabel: "Go", fields: [{ kind: "text", name: "amount", label: "Amount", required: true }] } }
        : { ...textReply("for everyone"), private: false },
    );
    register(discord.client, deps);
    discord.receive(slashCommand({ user: discordUser("Form") }, "topup"));
    const modal = callbackOf(await discord.settled(1));
    expect(modal.type).toBe(InteractionResponseType.Modal);
    expect(modal.data).toMatchObject({ custom_id: "cf:topup:", title: "Top up" });

    discord.requests.length = 0;
    discord.receive(slashCommand({ user: discordUser("Public") }, "help"));
    const publicReply = callbackOf(await discord.settled(1));
    expect(publicReply.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(publicReply.data.content).toBe("for everyone");
    expect(publicReply.data.flags ?? 0).toBe(0);
  });

  it("slow work is deferred privately, then the reply is edited in", async () => {
    discord = fakeDiscord();
    const deps = unitDeps();
    deps.options.deferAfterMs = 0;
    register(discord.client, deps);
    discord.receive(slashCommand({ user: discordUser("Patient") }, "balance"));

    const [defer, edit] = await discord.settled(2);
    expect(defer.body).toEqual({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: MessageFlags.Ephemeral } });
    expect(edit.method).toBe("PATCH");
    expect(edit.path).toMatch(new RegExp(`^/webhooks/${IDS.application}/unit-\\d+/messages/@original$`));
    expect(edit.body.content).toBe("done");
  });

  it("another application command name is refused without dispatching", async () => {
    discord = fakeDiscord();
    const deps = unitDeps();
    register(discord.client, deps);
    discord.receive(slashCommand({ user: discordUser("Lost") }, "balance", [], { command: "other" }));
    const answer = callbackOf(await discord.settled(1));
    expect(deps.dispatched).toEqual([]);
    expect(answer.data.flags).toBe(MessageFlags.Ephemeral);
    expect(answer.data.content).toContain(translate("en", "errors.unknown_command", { name: "other" }));
  });

  it("leaves every other kind of interaction to its own listener", async () => {
    discord = fakeDiscord();
    const deps = unitDeps();
    register(discord.client, deps);
    const source = botMessage([{ customId: "cd:balance:", label: "Balance", style: ButtonStyle.Primary }]);
    discord.receive(buttonClick({ user: discordUser("Clicker") }, source, "cd:balance:"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(discord.requests).toEqual([]);
    expect(deps.dispatched).toEqual([]);
  });
});
