import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import type { Reply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { runConsole } from "../helpers/consoleScript.ts";
import { createTestServices } from "../helpers/services.ts";

/**
 * `help` lists what the caller may use. Support's commands come under a heading that says where
 * they are typed: on Discord and Slack the support command, which customers never see.
 */
let services: Services;

beforeAll(async () => {
  services = await createTestServices({ env: { SLACK_ADMIN_COMMAND: "/desk-admin", DISCORD_ADMIN_COMMAND: "desk-admin" } });
});

afterAll(async () => {
  await services?.db.close();
});

const textOf = (reply: Reply) => reply.blocks.map((b) => ("text" in b ? b.text : "")).join("\n");
const help = (caller: Caller) => dispatch(registry, services, caller, "help", {});
const supportCommands = registry.commands.filter((c) => c.audience === "support").map((c) => c.name);

describe("help", () => {
  it("a customer sees no support command and no support heading", async () => {
    const text = textOf(await help({ platform: "discord", workspaceId: "discord", userId: "111111111111111111", locale: "en", isSupport: false }));
    expect(text).toContain("`balance`");
    for (const name of supportCommands) expect(text).not.toContain(`\`${name} `);
    expect(text).not.toContain("Support commands");
  });

  it("support on Discord is told the support commands are typed after the admin command", async () => {
    const text = textOf(await help({ platform: "discord", workspaceId: "discord", userId: "222222222222222222", locale: "en", isSupport: true }));
    const heading = text.indexOf("**Support commands, typed after `/desk-admin`:**");
    expect(heading).toBeGreaterThan(text.indexOf("`balance`"));
    // Every support command is listed, under the heading.
    for (const name of supportCommands) expect(text.indexOf(`• \`${name}`)).toBeGreaterThan(heading);
  });

  it("support on Slack is told its admin slash command, in Chinese too", async () => {
    const en = textOf(await help({ platform: "slack", workspaceId: "T1", userId: "U1", locale: "en", isSupport: true }));
    expect(en).toContain("**Support commands, typed after `/desk-admin`:**");
    const zh = textOf(await help({ platform: "slack", workspaceId: "T1", userId: "U1", locale: "zh-CN", isSupport: true }));
    expect(zh).toContain("**客服命令（在 `/desk-admin` 之后输入）：**");
  });

  it("on the console, where every command is typed alike, support's commands are under a plain heading", async () => {
    const out = await runConsole(services, ["/as support", "help"]);
    expect(out).toContain("Support commands:");
    expect(out).not.toContain("typed after");
    expect(out).toContain("confirm <order>");
  });
});
