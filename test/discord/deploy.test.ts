import { spawn } from "node:child_process";
import { ApplicationCommandOptionType, ApplicationIntegrationType, InteractionContextType } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { deployDiscordCommands, NOT_NEEDED_TO_DEPLOY } from "../../scripts/discord-deploy.ts";
import { ConfigError, loadEnv } from "../../src/config/env.ts";
import { hasKey, translate } from "../../src/i18n.ts";
import { commandCharacters, discordOptionName, LIMITS } from "../../src/platforms/discord/commandBody.ts";
import { DiscordStandIn } from "../standins/discord.ts";

const IDS = { token: "deploy-token-0123456789", applicationId: "1290000000000000001", guildId: "1290000000000000002", supportChannelId: "1290000000000000003" };
const SECOND_GUILD = "1290000000000000004";

let standIn: DiscordStandIn;
beforeAll(async () => {
  standIn = new DiscordStandIn({ ...IDS, roles: [] });
  await standIn.start();
});
afterAll(async () => {
  await standIn?.stop();
});

/** `npm run discord:deploy [-- args]` in a child process, against the stand-in. */
function runDeploy(extraEnv: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, ...envFor(), TEST_DB: "", ...extraEnv };
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "discord:deploy", ...(args.length ? ["--", ...args] : [])], { cwd: process.cwd(), env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (c) => {
      clearTimeout(timer);
      resolve({ code: c, stdout, stderr });
    });
  });
}

/** Only what registering needs: no support channel, no support roles (empty is unset). */
function envFor(extra: Record<string, string> = {}) {
  return {
    DISCORD_TOKEN: IDS.token,
    DISCORD_APPLICATION_ID: IDS.applicationId,
    DISCORD_SUPPORT_CHANNEL: "",
    DISCORD_SUPPORT_ROLES: "",
    DISCORD_API_URL: standIn.apiUrl,
    LOG_LEVEL: "silent",
    ...extra,
  };
}

const deployEnv = (extra: Record<string, string> = {}) => loadEnv(envFor(extra), { notNeeded: NOT_NEEDED_TO_DEPLOY });

// Discord's own rules for names and descriptions (Application Commands reference).
const NAME = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
function expectValidName(name: string) {
  expect(name).toMatch(NAME);
  expect(name).toBe(name.toLowerCase());
}
function expectValidDescription(text: string) {
  expect(text.length).toBeGreaterThan(0);
  expect(text.length).toBeLessThanOrEqual(100);
}

describe("npm run discord:deploy", () => {
  it("PUTs /credits (customer commands) and /credits-admin (support commands, hidden by default_member_permissions), localized in en-US and zh-CN, in each guild DISCORD_GUILD_ID lists", async () => {
    const before = standIn.calls.length;
    const result = await deployDiscordCommands(deployEnv({ DISCORD_GUILD_ID: `${IDS.guildId}, ${SECOND_GUILD}` }), registry);
    const puts = standIn.calls.slice(before).filter((c) => c.method === "PUT");
    expect(puts.map((c) => `${c.path} ${c.status}`)).toEqual([
      `/applications/${IDS.applicationId}/guilds/${IDS.guildId}/commands ${200}`,
      `/applications/${IDS.applicationId}/guilds/${SECOND_GUILD}/commands ${200}`,
    ]);
    expect(result.targets.map((t) => [t.scope, t.registered.map((c) => c.name)])).toEqual([
      [IDS.guildId, ["credits", "credits-admin"]],
      [SECOND_GUILD, ["credits", "credits-admin"]],
    ]);
    const body = puts[0].body;
    expect(puts[1].body).toEqual(body);
    expect(body).toEqual(JSON.parse(JSON.stringify(result.body)));
    expect(body).toHaveLength(2);

    const [command, admin] = body;
    const customerCommands = registry.commands.filter((c) => c.audience === "customer");
    const supportCommands = registry.commands.filter((c) => c.audience === "support");
    expect(customerCommands.length + supportCommands.length).toBe(registry.commands.length);
    expect(command.name).toBe("credits");
    expect(admin.name).toBe("credits-admin");
    // The customers' command is for everyone; the support command is shown to administrators only
    // until a server admin allows other roles ("0": no permission bit opens it).
    expect(command.default_member_permissions).toBeUndefined();
    expect(admin.default_member_permissions).toBe("0");
    expect(command.options.map((o: any) => o.name)).toEqual(customerCommands.map((c) => c.name));
    expect(admin.options.map((o: any) => o.name)).toEqual(supportCommands.map((c) => c.name));
    expect(admin.description).toBe(translate("en", "discord.admin_command.description"));
    expect(admin.description_localizations["zh-CN"]).toBe(translate("zh-CN", "discord.admin_command.description"));

    for (const registered of [command, admin]) {
      expect(registered.type).toBe(1);
      // Installed to servers and usable inside a server only: not in the bot's DMs, not in group DMs.
      expect(registered.integration_types).toEqual([ApplicationIntegrationType.GuildInstall]);
      expect(registered.contexts).toEqual([InteractionContextType.Guild]);
      // Discord's limits on one command: what made a single /credits fail to register.
      expect(registered.options.length).toBeLessThanOrEqual(LIMITS.subcommands);
      for (const sub of registered.options) {
        expect(sub.options.length).toBeLessThanOrEqual(LIMITS.options);
        for (const o of sub.options) expect(o.choices?.length ?? 0).toBeLessThanOrEqual(LIMITS.choices);
      }
      expect(commandCharacters(registered)).toBeLessThanOrEqual(LIMITS.characters);
    }
    expect(command.description).toBe(translate("en", "discord.command.description"));
    expect(command.description_localizations["zh-CN"]).toBe(translate("zh-CN", "discord.command.description"));

    for (const definition of registry.commands) {
      const sub = (definition.audience === "customer" ? command : admin).options.find((o: any) => o.name === definition.name);
      expect(sub.type).toBe(ApplicationCommandOptionType.Subcommand);
      expectValidName(sub.name);
      expect(sub.description).toBe(translate("en", definition.descriptionKey));
      expect(sub.description_localizations["zh-CN"]).toBe(translate("zh-CN", definition.descriptionKey));
      expect(sub.description_localizations["zh-CN"]).not.toBe(sub.description);
      expectValidDescription(sub.description);
      expectValidDescription(sub.description_localizations["zh-CN"]);
      if (hasKey("zh-CN", `discord.names.${definition.name}`)) {
        expect(sub.name_localizations["zh-CN"]).toBe(translate("zh-CN", `discord.names.${definition.name}`));
        expectValidName(sub.name_localizations["zh-CN"]);
      } else {
        expect(sub.name_localizations).toBeUndefined();
      }

      expect(sub.options.map((o: any) => o.name).sort()).toEqual(definition.options.map((o) => discordOptionName(o.name)).sort());
      const firstOptional = sub.options.findIndex((o: any) => !o.required);
      if (firstOptional >= 0) expect(sub.options.slice(firstOptional).every((o: any) => !o.required)).toBe(true);
      for (const spec of definition.options) {
        const option = sub.options.find((o: any) => o.name === discordOptionName(spec.name));
        expectValidName(option.name);
        expect(option.required).toBe(spec.required);
        expect(option.type).toBe(spec.kind === "attachment" ? ApplicationCommandOptionType.Attachment : ApplicationCommandOptionType.String);
        expect(option.description).toBe(translate("en", spec.descriptionKey));
        expect(option.description_localizations["zh-CN"]).toBe(translate("zh-CN", spec.descriptionKey));
        if (hasKey("zh-CN", `discord.option_names.${definition.name}.${spec.name}`)) {
          expect(option.name_localizations["zh-CN"]).toBe(translate("zh-CN", `discord.option_names.${definition.name}.${spec.name}`));
          expectValidName(option.name_localizations["zh-CN"]);
        }
        // An order number is suggested as it is typed (the customer's own open orders, or the queue).
        if (spec.kind === "string" && spec.name === "order") expect(option.autocomplete).toBe(true);
      }
    }

    // Choices come from configuration and the locale files, each localized.
    const topup = command.options.find((o: any) => o.name === "topup");
    const method = topup.options.find((o: any) => o.name === "method");
    expect(method.choices.length).toBeGreaterThan(0);
    expect(method.choices.every((c: any) => typeof c.value === "string" && c.name.length <= 100)).toBe(true);
    expect(method.choices.some((c: any) => c.name_localizations?.["zh-CN"])).toBe(true);
    const reason = admin.options.find((o: any) => o.name === "reject").options.find((o: any) => o.name === "reason");
    const wrongNetwork = reason.choices.find((c: any) => c.value === "wrong_network");
    expect(wrongNetwork.name).toBe(translate("en", "topups.reject_reason.wrong_network"));
    expect(wrongNetwork.name_localizations["zh-CN"]).toBe(translate("zh-CN", "topups.reject_reason.wrong_network"));
    // camelCase option names are not allowed by Discord: txHash is sent as tx_hash.
    const proof = command.options.find((o: any) => o.name === "proof");
    expect(proof.options.map((o: any) => o.name)).toContain("tx_hash");
  });

  it("registers globally without DISCORD_GUILD_ID, through the npm script itself, with only the token and application id set", async () => {
    const before = standIn.calls.length;
    const { code, stdout, stderr } = await runDeploy({ DISCORD_GUILD_ID: "" });
    expect(stderr.replace(/npm warn.*\n?/g, "")).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("Registered /credits in all guilds");
    expect(stdout).toContain("Registered /credits-admin in all guilds");
    expect(stdout).not.toContain(IDS.token);
    const puts = standIn.calls.slice(before).filter((c) => c.method === "PUT");
    expect(puts.map((c) => c.path)).toEqual([`/applications/${IDS.applicationId}/commands`]);
    expect(puts[0].body.map((c: any) => [c.name, c.default_member_permissions ?? null])).toEqual([["credits", null], ["credits-admin", "0"]]);
    expect(puts[0].body.flatMap((c: any) => c.options.map((o: any) => o.name)).sort()).toEqual(registry.commands.map((c) => c.name).sort());
    expect(puts[0].body[0].contexts).toEqual([InteractionContextType.Guild]);
  });

  it("names what is missing when the token or application id is not set, and registers nothing", async () => {
    const before = standIn.calls.length;
    const { code, stderr } = await runDeploy({ DISCORD_APPLICATION_ID: "" });
    expect(code).toBe(1);
    expect(stderr).toContain("DISCORD_APPLICATION_ID: required with DISCORD_TOKEN");
    // The bot's own settings are not what registering needs: they are not reported.
    expect(stderr).not.toContain("DISCORD_SUPPORT_CHANNEL");
    expect(stderr).not.toContain("DISCORD_SUPPORT_ROLES");
    expect(standIn.calls.slice(before).filter((c) => c.method === "PUT")).toEqual([]);
  });

  it("a DISCORD_ADMIN_COMMAND equal to DISCORD_COMMAND is refused: one name cannot be both commands", () => {
    expect(() => deployEnv({ DISCORD_COMMAND: "billing", DISCORD_ADMIN_COMMAND: "billing" })).toThrow(/DISCORD_ADMIN_COMMAND: must differ from DISCORD_COMMAND/);
    expect(deployEnv({ DISCORD_COMMAND: "billing", DISCORD_ADMIN_COMMAND: "billing-support" }).DISCORD_ADMIN_COMMAND).toBe("billing-support");
  });

  it("registers in each listed guild through the npm script, and with --clear-global removes the global commands", async () => {
    const before = standIn.calls.length;
    const { code, stdout, stderr } = await runDeploy({ DISCORD_GUILD_ID: `${IDS.guildId},${SECOND_GUILD}` }, ["--clear-global"]);
    expect(stderr.replace(/npm warn.*\n?/g, "")).toBe("");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n").map((line) => line.replace(/ with subcommands:.*/, ""))).toEqual([
      `Registered /credits in guild ${IDS.guildId}`,
      `Registered /credits-admin in guild ${IDS.guildId} (shown to administrators until a server admin allows the support roles)`,
      `Registered /credits in guild ${SECOND_GUILD}`,
      `Registered /credits-admin in guild ${SECOND_GUILD} (shown to administrators until a server admin allows the support roles)`,
      "Removed the global commands (they may take a few minutes to disappear)",
    ]);
    const puts = standIn.calls.slice(before).filter((c) => c.method === "PUT");
    expect(puts.map((c) => [c.path, c.body.length])).toEqual([
      [`/applications/${IDS.applicationId}/guilds/${IDS.guildId}/commands`, 2],
      [`/applications/${IDS.applicationId}/guilds/${SECOND_GUILD}/commands`, 2],
      [`/applications/${IDS.applicationId}/commands`, 0],
    ]);

    // Without guilds there is nothing to clear the global commands for.
    const refused = await runDeploy({ DISCORD_GUILD_ID: "" }, ["--clear-global"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--clear-global needs DISCORD_GUILD_ID");
  });

  it("takes a list of guild ids in DISCORD_GUILD_ID, and refuses anything but snowflakes", () => {
    expect(deployEnv({ DISCORD_GUILD_ID: ` ${IDS.guildId} ,${SECOND_GUILD},` }).DISCORD_GUILD_ID).toEqual([IDS.guildId, SECOND_GUILD]);
    expect(deployEnv().DISCORD_GUILD_ID).toEqual([]);
    let error: unknown;
    try {
      deployEnv({ DISCORD_GUILD_ID: `${IDS.guildId},my-server` });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(["DISCORD_GUILD_ID.1: a numeric guild id"]);
  });
});
