import { ButtonStyle, InteractionResponseType, MessageFlags, type APIInteraction } from "discord.js";
import { afterEach, describe, expect, it } from "vitest";
import { translate, type Locale } from "../../../src/i18n.ts";
import { register as registerAutocomplete } from "../../../src/platforms/discord/listeners/autocomplete.ts";
import { registerListeners } from "../../../src/platforms/discord/listeners/index.ts";
import {
  autocomplete, botMessage, buttonClick, callbackOf, discordUser, fakeDiscord, IDS, modalSubmit, slashCommand, stringOption, textField, unitDeps,
  type FakeDiscord, type LogLine, type UnitDeps,
} from "./kit.ts";

let discord: FakeDiscord;
afterEach(async () => {
  await discord?.destroy();
});

function failing(): UnitDeps {
  discord = fakeDiscord();
  const deps = unitDeps(() => {
    throw new Error("connection to the database lost");
  });
  registerListeners(discord.client, deps);
  return deps;
}

/** The one error line logged, and the trace id the user was given, which must be the same. */
function expectTracedOnce(deps: UnitDeps, shown: string, locale: Locale): LogLine {
  const traceId = /\b([0-9a-f]{8})\b/.exec(shown)?.[1];
  expect(traceId, `a trace id in ${shown}`).toBeDefined();
  expect(shown).toBe(`⚠️ ${translate(locale, "errors.internal", { traceId: traceId! })}`);
  expect(shown).not.toContain("database");
  const errors = deps.logLines.filter((line) => line.level >= 50);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ traceId, msg: "request failed", err: { message: "connection to the database lost" } });
  return errors[0];
}

const user = discordUser("Unlucky");
const support = { user: discordUser("Unlucky Support"), roles: [IDS.supportRole] };
const kinds: { kind: string; command: string; payload: () => APIInteraction }[] = [
  { kind: "command", command: "balance", payload: () => slashCommand({ user, locale: "zh-CN" }, "balance") },
  { kind: "button", command: "cancel", payload: () => buttonClick({ user, locale: "zh-CN" }, botMessage([{ customId: "cd:cancel:order=CD-1", label: "Cancel", style: ButtonStyle.Secondary }]), "cd:cancel:order=CD-1") },
  { kind: "modal", command: "proof", payload: () => modalSubmit({ user, locale: "zh-CN" }, "cf:proof:order=CD-1", [textField("txHash", "0x1")]) },
];

describe("Discord listeners: a dispatch that throws is answered with the internal-error reply", () => {
  for (const { kind, command, payload } of kinds) {
    it(`${kind}: a private reply in the user's language with a trace id, logged once under that id`, async () => {
      const deps = failing();
      discord.receive(payload());
      const sent = await discord.settled(1);
      expect(sent).toHaveLength(1);
      const answer = callbackOf(sent);
      expect(answer.type).toBe(InteractionResponseType.ChannelMessageWithSource);
      expect(answer.data.flags).toBe(MessageFlags.Ephemeral);
      const logged = expectTracedOnce(deps, answer.data.content, "zh-CN");
      expect(logged).toMatchObject({ interaction: kind, command });
    });
  }

  it("after a defer, the reply takes the place of the private \"thinking…\" message", async () => {
    const deps = failing();
    deps.options.deferAfterMs = 0;
    discord.receive(slashCommand({ user }, "balance"));
    const [defer, edit] = await discord.settled(2);
    expect(discord.requests).toHaveLength(2);
    expect(defer.body).toEqual({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: MessageFlags.Ephemeral } });
    expect(edit).toMatchObject({ method: "PATCH", path: expect.stringMatching(/\/messages\/@original$/) });
    expectTracedOnce(deps, edit.body.content, "en");
  });

  it("after a deferred update (a confirmation's yes), it comes as a private follow-up", async () => {
    const deps = failing();
    deps.options.deferAfterMs = 0;
    const prompt = botMessage([{ customId: "cy:confirm:order=CD-2", label: "Yes", style: ButtonStyle.Primary }], MessageFlags.Ephemeral);
    discord.receive(buttonClick(support, prompt, "cy:confirm:order=CD-2"));
    const [defer, followUp] = await discord.settled(2);
    expect(discord.requests).toHaveLength(2);
    expect(defer.body).toEqual({ type: InteractionResponseType.DeferredMessageUpdate });
    expect(followUp).toMatchObject({ method: "POST", path: expect.stringMatching(new RegExp(`^/webhooks/${IDS.application}/unit-\\d+$`)) });
    expect(followUp.body.flags).toBe(MessageFlags.Ephemeral);
    expectTracedOnce(deps, followUp.body.content, "en");
  });

  it("autocomplete cannot show a message: no suggestions, and the error is logged once with a trace id", async () => {
    discord = fakeDiscord();
    const deps = unitDeps();
    registerAutocomplete(discord.client, deps, [
      () => {
        throw new Error("connection to the database lost");
      },
    ]);
    discord.receive(autocomplete({ user }, "cancel", [stringOption("order", "CD", true)]));
    const answer = callbackOf(await discord.settled(1));
    expect(answer).toEqual({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: [] } });
    const errors = deps.logLines.filter((line) => line.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ traceId: expect.stringMatching(/^[0-9a-f]{8}$/), interaction: "autocomplete", command: "cancel" });
  });
});
