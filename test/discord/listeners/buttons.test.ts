import { ButtonStyle, InteractionResponseType, MessageFlags } from "discord.js";
import { afterEach, describe, expect, it } from "vitest";
import { translate } from "../../../src/i18n.ts";
import { register } from "../../../src/platforms/discord/listeners/buttons.ts";
import { botMessage, buttonClick, buttonsIn, callbackOf, discordUser, fakeDiscord, IDS, unitDeps, type FakeDiscord } from "./kit.ts";

let discord: FakeDiscord;
afterEach(async () => {
  await discord?.destroy();
});

const support = { user: discordUser("Ada Support"), roles: [IDS.supportRole] };
const card = (orderNo: string) =>
  botMessage([
    { customId: `ck:confirm:order=${orderNo}`, label: "Confirm", style: ButtonStyle.Primary },
    { customId: `cd:reject:order=${orderNo}`, label: "Reject", style: ButtonStyle.Danger },
  ]);

function listening() {
  discord = fakeDiscord();
  const deps = unitDeps();
  register(discord.client, deps);
  return deps;
}

describe("Discord button listener", () => {
  it("a plain button dispatches the invocation in its custom_id for the clicker, and answers privately", async () => {
    const deps = listening();
    const customer = discordUser("Grace");
    const source = botMessage([{ customId: "cd:cancel:order=CD-000001", label: "Cancel", style: ButtonStyle.Secondary }], MessageFlags.Ephemeral);
    discord.receive(buttonClick({ user: customer, locale: "zh-CN" }, source, "cd:cancel:order=CD-000001"));

    const answer = callbackOf(await discord.settled(1));
    expect(deps.dispatched).toEqual([
      { caller: { platform: "discord", workspaceId: "discord", userId: customer.id, displayName: "Grace", locale: "zh-CN", isSupport: false }, command: "cancel", args: { order: "CD-000001" } },
    ]);
    expect(answer).toMatchObject({ type: InteractionResponseType.ChannelMessageWithSource, data: { content: "done", flags: MessageFlags.Ephemeral } });
  });

  it("Confirm asks first, privately, without dispatching: yes (in the clicked button's style) and no", async () => {
    const deps = listening();
    const source = card("CD-000002");
    discord.receive(buttonClick(support, source, "ck:confirm:order=CD-000002"));

    const prompt = callbackOf(await discord.settled(1));
    expect(deps.dispatched).toEqual([]);
    expect(prompt.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(prompt.data.flags).toBe(MessageFlags.Ephemeral);
    expect(prompt.data.content).toBe(translate("en", "discord.confirm.prompt", { action: "Confirm", details: "CD-000002" }));
    expect(buttonsIn(prompt.data)).toEqual([
      { customId: "cy:confirm:order=CD-000002", label: translate("en", "discord.confirm.yes", { action: "Confirm" }), style: ButtonStyle.Primary },
      { customId: "cx:confirm:order=CD-000002", label: translate("en", "discord.confirm.no"), style: ButtonStyle.Secondary },
    ]);
  });

  it("someone who may not run a support command gets its own refusal at once, not a prompt", async () => {
    const deps = listening();
    const intruder = discordUser("Not Support");
    discord.receive(buttonClick({ user: intruder, roles: [IDS.memberRole] }, card("CD-000003"), "ck:confirm:order=CD-000003"));
    const answer = callbackOf(await discord.settled(1));
    expect(deps.dispatched).toEqual([expect.objectContaining({ command: "confirm", args: { order: "CD-000003" }, caller: expect.objectContaining({ userId: intruder.id, isSupport: false }) })]);
    expect(answer.data.content).toBe("done");
  });

  it("yes runs the command and its answer replaces the prompt; no dismisses the prompt", async () => {
    const deps = listening();
    const prompt = botMessage([
      { customId: "cy:confirm:order=CD-000004", label: "Yes, Confirm", style: ButtonStyle.Primary },
      { customId: "cx:confirm:order=CD-000004", label: "No", style: ButtonStyle.Secondary },
    ], MessageFlags.Ephemeral);
    discord.receive(buttonClick(support, prompt, "cy:confirm:order=CD-000004"));
    const yes = callbackOf(await discord.settled(1));
    expect(deps.dispatched).toEqual([expect.objectContaining({ command: "confirm", args: { order: "CD-000004" }, caller: expect.objectContaining({ isSupport: true }) })]);
    expect(yes).toMatchObject({ type: InteractionResponseType.UpdateMessage, data: { content: "done", components: [] } });

    discord.requests.length = 0;
    discord.receive(buttonClick(support, prompt, "cx:confirm:order=CD-000004"));
    const no = callbackOf(await discord.settled(1));
    expect(deps.dispatched).toHaveLength(1);
    expect(no).toMatchObject({ type: InteractionResponseType.UpdateMessage, data: { content: translate("en", "discord.confirm.dismissed"), embeds: [], components: [] } });
  });

  it("a deferred yes acknowledges as an update, then edits the prompt", async () => {
    const deps = listening();
    deps.options.deferAfterMs = 0;
    const prompt = botMessage([{ customId: "cy:confirm:order=CD-000005", label: "Yes", style: ButtonStyle.Primary }], MessageFlags.Ephemeral);
    discord.receive(buttonClick(support, prompt, "cy:confirm:order=CD-000005"));
    const [defer, edit] = await discord.settled(2);
    expect(defer.body).toEqual({ type: InteractionResponseType.DeferredMessageUpdate });
    expect(edit).toMatchObject({ method: "PATCH", path: expect.stringMatching(/\/messages\/@original$/), body: { content: "done" } });
  });

  it("a custom_id that is not ours, or a modal's, is answered as a stale button and runs nothing", async () => {
    const deps = listening();
    for (const customId of ["zz:whatever", "cf:proof:order=CD-1"]) {
      discord.requests.length = 0;
      discord.receive(buttonClick({ user: discordUser("Old Message"), locale: "zh-CN" }, botMessage([{ customId, label: "Old", style: ButtonStyle.Primary }]), customId));
      const answer = callbackOf(await discord.settled(1));
      expect(answer).toMatchObject({ type: InteractionResponseType.ChannelMessageWithSource, data: { content: translate("zh-CN", "discord.stale_button"), flags: MessageFlags.Ephemeral } });
    }
    expect(deps.dispatched).toEqual([]);
  });
});
