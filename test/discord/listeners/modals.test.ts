import { ButtonStyle, InteractionResponseType, MessageFlags } from "discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { errorReply } from "../../../src/core/dispatch.ts";
import { FormErrors } from "../../../src/errors.ts";
import { translate, translator } from "../../../src/i18n.ts";
import { register } from "../../../src/platforms/discord/listeners/modals.ts";
import { PNG_BYTES } from "../../helpers/services.ts";
import {
  botMessage, buttonsIn, callbackOf, discordUser, fakeCdn, fakeDiscord, fileField, IDS, modalSubmit, selectField, textField, unitDeps,
  type FakeCdn, type FakeDiscord,
} from "./kit.ts";

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

describe("Discord modal listener", () => {
  it("dispatches the modal's invocation with its submitted fields joined: a select's value, a text input's", async () => {
    discord = fakeDiscord();
    const deps = unitDeps();
    register(discord.client, deps);
    const support = discordUser("Ada Support");
    discord.receive(modalSubmit({ user: support, roles: [IDS.supportRole], locale: "zh-CN" }, "cf:reject:order=CD-000010", [selectField("reason", ["wrong_network"]), textField("note", "请使用 TRC20")]));

    const answer = callbackOf(await discord.settled(1));
    expect(deps.dispatched).toEqual([
      {
        caller: { platform: "discord", workspaceId: "discord", userId: support.id, displayName: "Ada Support", locale: "zh-CN", isSupport: true },
        command: "reject",
        args: { order: "CD-000010", reason: "wrong_network", note: "请使用 TRC20" },
      },
    ]);
    expect(answer).toMatchObject({ type: InteractionResponseType.ChannelMessageWithSource, data: { content: "done", flags: MessageFlags.Ephemeral } });
  });

  it("downloads the uploaded file at once and passes its bytes; empty text inputs are left out", async () => {
    discord = fakeDiscord();
    const deps = unitDeps(undefined, cdn.env);
    register(discord.client, deps);
    const png = cdn.attachment("payment.png", PNG_BYTES, "image/png");
    discord.receive(modalSubmit({ user: discordUser("Grace") }, "cf:proof:order=CD-000011", [textField("txHash", "0xfeed"), textField("memo", ""), fileField("screenshot", [png])], { attachments: [png] }));

    await discord.settled(1);
    expect(deps.dispatched).toHaveLength(1);
    expect(deps.dispatched[0].command).toBe("proof");
    expect(deps.dispatched[0].args).toEqual({ order: "CD-000011", txHash: "0xfeed", screenshot: { name: "payment.png", bytes: PNG_BYTES, claimedType: "image/png" } });
  });

  it("an attachment Discord no longer serves is the user's to upload again, and runs nothing", async () => {
    discord = fakeDiscord();
    const deps = unitDeps(undefined, cdn.env);
    register(discord.client, deps);
    const gone = { ...cdn.attachment("gone.png", PNG_BYTES, "image/png") };
    gone.url = gone.url.replace("/gone.png", "/expired.png");
    discord.receive(modalSubmit({ user: discordUser("Late") }, "cf:proof:order=CD-000012", [textField("txHash", "0x1"), fileField("screenshot", [gone])], { attachments: [gone] }));

    const answer = callbackOf(await discord.settled(1));
    expect(deps.dispatched).toEqual([]);
    expect(answer.data.flags).toBe(MessageFlags.Ephemeral);
    expect(answer.data.content).toContain(translate("en", "discord.attachment_failed", { name: "gone.png" }));
    expect(deps.logLines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it("field errors come back privately with a button that opens the same form again", async () => {
    discord = fakeDiscord();
    const deps = unitDeps(() => errorReply(translator("en"), new FormErrors({ txHash: { key: "errors.tx_hash_format" } })));
    register(discord.client, deps);
    discord.receive(modalSubmit({ user: discordUser("Typo") }, "cf:proof:order=CD-000013", [textField("txHash", "nope")]));

    const answer = callbackOf(await discord.settled(1));
    expect(answer.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(answer.data.flags).toBe(MessageFlags.Ephemeral);
    expect(answer.data.content).toContain(translate("en", "errors.tx_hash_format"));
    expect(buttonsIn(answer.data)).toEqual([{ customId: "cd:proof:order=CD-000013", label: translate("en", "discord.form.retry"), style: ButtonStyle.Primary }]);
  });

  it("a reply that replaces its source edits the message the modal was opened from", async () => {
    discord = fakeDiscord();
    const deps = unitDeps(() => ({ blocks: [{ type: "text", text: "card updated" }], replaceSource: true }));
    register(discord.client, deps);
    const source = botMessage([{ customId: "cd:reject:order=CD-000014", label: "Reject", style: ButtonStyle.Danger }]);
    discord.receive(modalSubmit({ user: discordUser("Ada"), roles: [IDS.supportRole] }, "cf:reject:order=CD-000014", [selectField("reason", ["other"])], { source }));
    const answer = callbackOf(await discord.settled(1));
    expect(answer).toMatchObject({ type: InteractionResponseType.UpdateMessage, data: { content: "card updated" } });
  });

  it("a modal whose custom_id is not a form of ours is answered as stale and runs nothing", async () => {
    discord = fakeDiscord();
    const deps = unitDeps();
    register(discord.client, deps);
    discord.receive(modalSubmit({ user: discordUser("Forger") }, "cd:confirm:order=CD-000015", [textField("x", "y")]));
    const answer = callbackOf(await discord.settled(1));
    expect(deps.dispatched).toEqual([]);
    expect(answer.data).toMatchObject({ content: translate("en", "discord.stale_button"), flags: MessageFlags.Ephemeral });
  });
});
