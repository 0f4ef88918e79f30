import { ChannelType, InteractionContextType, InteractionResponseType, type APIApplicationCommandAutocompleteInteraction, type APIApplicationCommandSubcommandOption, type RESTPostAPIChatInputApplicationCommandsJSONBody } from "discord.js";
import { z } from "zod";
import { afterEach, describe, expect, it } from "vitest";
import { defineCommand } from "../../../src/core/command.ts";
import { createRegistry } from "../../../src/core/dispatch.ts";
import { translate } from "../../../src/i18n.ts";
import { buildCommandBody } from "../../../src/platforms/discord/commandBody.ts";
import { declaredChoices, register, type AutocompleteRequest } from "../../../src/platforms/discord/listeners/autocomplete.ts";
import { textReply } from "../../../src/reply.ts";
import { autocomplete, callbackOf, discordUser, fakeDiscord, IDS, stringOption, unitDeps, type FakeDiscord } from "./kit.ts";

let discord: FakeDiscord;
afterEach(async () => {
  await discord?.destroy();
});

/** What the listener suggested: the choices of its one autocomplete callback. */
async function suggested(): Promise<any[]> {
  const sent = await discord.settled(1);
  expect(sent).toHaveLength(1);
  const callback = callbackOf(sent);
  expect(callback.type).toBe(InteractionResponseType.ApplicationCommandAutocompleteResult);
  return callback.data.choices;
}

function listening(deps = unitDeps(), sources?: Parameters<typeof register>[2]) {
  discord = fakeDiscord();
  register(discord.client, deps, sources);
  return deps;
}

const customer = { user: discordUser("Typing Customer") };

describe("Discord autocomplete listener", () => {
  it("suggests nothing from a DM or from a guild it does not serve, and asks no source", async () => {
    let asked = 0;
    const counting = () => {
      asked += 1;
      return undefined;
    };
    listening({ ...unitDeps(), options: { ...unitDeps().options, guildIds: [IDS.guild] } }, [counting]);
    const typed = autocomplete(customer, "topup", [stringOption("method", "TRC", true)]);
    const { guild_id: _guildId, guild: _guild, member: _member, guild_locale: _guildLocale, ...common } = typed;
    const fromDm = {
      ...common, user: customer.user, context: InteractionContextType.BotDM, authorizing_integration_owners: { 1: customer.user.id },
      channel: { id: "1390000000000009999", type: ChannelType.DM }, channel_id: "1390000000000009999",
      data: { ...typed.data, guild_id: undefined },
    } as unknown as APIApplicationCommandAutocompleteInteraction;
    discord.receive(fromDm);
    expect(await suggested()).toEqual([]);

    discord.requests.length = 0;
    const otherGuild = "1390000000000000777";
    discord.receive({ ...typed, guild_id: otherGuild, guild: { ...typed.guild!, id: otherGuild }, data: { ...typed.data, guild_id: otherGuild } });
    expect(await suggested()).toEqual([]);
    expect(asked).toBe(0);
  });

  it("suggests the declared choices that match what was typed, with the labels the command body registers", async () => {
    const deps = listening();
    discord.receive(autocomplete(customer, "topup", [stringOption("method", "TRC", true), stringOption("amount", "10")]));
    expect(await suggested()).toEqual([{ name: "USDT on TRON (TRC20)", value: "trc20", name_localizations: { "zh-CN": "USDT（TRC20）" } }]);

    // Nothing typed yet: every choice, exactly as `/credits topup method` declares them.
    discord.requests.length = 0;
    discord.receive(autocomplete(customer, "topup", [stringOption("method", "", true)]));
    const body = buildCommandBody(deps.registry, { name: "credits", adminName: "credits-admin", services: deps.services })[0] as RESTPostAPIChatInputApplicationCommandsJSONBody;
    const topup = body.options!.find((o) => o.name === "topup") as APIApplicationCommandSubcommandOption;
    const method = topup.options!.find((o) => o.name === "method") as { choices: unknown[] };
    expect(await suggested()).toEqual(method.choices);
    expect(deps.dispatched).toEqual([]);
  });

  it("matches the user's own language too: Chinese text finds the Chinese label", async () => {
    listening();
    discord.receive(autocomplete({ user: discordUser("李"), locale: "zh-CN" }, "topup", [stringOption("method", "银行", true)]));
    expect(await suggested()).toEqual([{ name: "Bank transfer", value: "bank", name_localizations: { "zh-CN": "银行转账" } }]);

    discord.requests.length = 0;
    const wrongNetwork = translate("zh-CN", "topups.reject_reason.wrong_network");
    discord.receive(autocomplete({ user: discordUser("支持"), roles: [IDS.supportRole], locale: "zh-CN" }, "reject", [stringOption("order", "CD-1"), stringOption("reason", wrongNetwork.slice(0, 2), true)]));
    expect((await suggested()).map((c) => c.value)).toContain("wrong_network");
  });

  it("answers no suggestions for an option without choices, a command not in the registry, or another application command", async () => {
    listening();
    const cases = [
      autocomplete(customer, "topup", [stringOption("method", "trc20"), stringOption("amount", "1", true)]),
      autocomplete(customer, "nosuch", [stringOption("x", "", true)]),
      autocomplete(customer, "topup", [stringOption("method", "", true)], "other"),
    ];
    for (const payload of cases) {
      discord.requests.length = 0;
      discord.receive(payload);
      expect(await suggested()).toEqual([]);
    }
  });

  it("never offers more than Discord's 25", async () => {
    const many = defineCommand({
      name: "many",
      audience: "customer",
      descriptionKey: "commands.help.description",
      options: [{ name: "pick", kind: "string", required: true, descriptionKey: "commands.help.description", choices: () => Array.from({ length: 40 }, (_, i) => ({ value: `v${i}`, label: `Choice ${i}` })) }],
      input: z.object({}),
      handle: async () => textReply("never run"),
    });
    const deps = { ...unitDeps(), registry: createRegistry([many]) };
    listening(deps);
    discord.receive(autocomplete(customer, "many", [stringOption("pick", "choice", true)]));
    const choices = await suggested();
    expect(choices).toHaveLength(25);
    expect(choices[0]).toEqual({ name: "Choice 0", value: "v0" });

    discord.requests.length = 0;
    discord.receive(autocomplete(customer, "many", [stringOption("pick", "choice 3", true)]));
    expect((await suggested()).map((c) => c.value)).toEqual(["v3", "v30", "v31", "v32", "v33", "v34", "v35", "v36", "v37", "v38", "v39"]);
  });

  it("answers within Discord's 3 s even when a source is slow: no suggestions, and a warning in the log", async () => {
    const never = () => new Promise<undefined>(() => undefined);
    const deps = listening({ ...unitDeps(), options: { ...unitDeps().options, autocompleteBudgetMs: 100 } }, [never]);
    const started = Date.now();
    discord.receive(autocomplete(customer, "cancel", [stringOption("order", "1", true)]));
    expect(await suggested()).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(deps.logLines.some((l) => l.msg.includes("autocomplete answered empty") && l.command === "cancel")).toBe(true);
  });

  it("serves the support command too: a subcommand of /credits-admin is suggested for like one of /credits", async () => {
    listening();
    discord.receive(autocomplete({ user: discordUser("Sup"), roles: [IDS.supportRole] }, "reject", [stringOption("order", "CD-1"), stringOption("reason", "wrong", true)], "credits-admin"));
    expect((await suggested()).map((c) => c.value)).toContain("wrong_network");
  });

  it("asks its sources in order: the first that knows the option answers", async () => {
    const asked: AutocompleteRequest[] = [];
    const orderNumbers = (request: AutocompleteRequest) => {
      asked.push(request);
      return request.option.name === "order" ? [{ name: `CD-000042 (${request.typed})`, value: "CD-000042" }] : undefined;
    };
    listening(unitDeps(), [orderNumbers, declaredChoices]);
    const user = discordUser("Owner");
    discord.receive(autocomplete({ user }, "cancel", [stringOption("order", "42", true)]));
    expect(await suggested()).toEqual([{ name: "CD-000042 (42)", value: "CD-000042" }]);
    expect(asked[0]).toMatchObject({ command: { name: "cancel" }, option: { name: "order" }, typed: "42", caller: { userId: user.id, platform: "discord" } });

    discord.requests.length = 0;
    discord.receive(autocomplete({ user }, "help", [stringOption("topic", "pric", true)]));
    expect(await suggested()).toEqual([{ name: "pricing", value: "pricing" }]);
  });
});
