import { describe, expect, it } from "vitest";
import { ConfigError, loadEnv } from "../../src/config/env.ts";
import { SlackConfigError, slackSettingsFrom } from "../../src/platforms/slack/settings.ts";

const slackEnv = { SLACK_BOT_TOKEN: "xoxb-test-token", SLACK_SIGNING_SECRET: "0123456789abcdef", SLACK_SUPPORT_CHANNEL: "C0SUPPORT01", SLACK_SUPPORT_USERS: "U0SUPPORT01" };

describe("the Slack commands from the environment", () => {
  it("are /credits and /credits-admin unless SLACK_COMMAND and SLACK_ADMIN_COMMAND rename them", () => {
    expect(slackSettingsFrom(loadEnv(slackEnv))).toMatchObject({ command: "/credits", adminCommand: "/credits-admin" });
    expect(slackSettingsFrom(loadEnv({ ...slackEnv, SLACK_COMMAND: "/billing", SLACK_ADMIN_COMMAND: "/billing-desk" }))).toMatchObject({ command: "/billing", adminCommand: "/billing-desk" });
  });

  it("must differ, and the support command must be a slash command", () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadEnv(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return String((err as Error).message);
      }
      throw new Error("loadEnv accepted the environment");
    };
    expect(refused({ ...slackEnv, SLACK_ADMIN_COMMAND: "/credits" })).toContain("SLACK_ADMIN_COMMAND: must differ from SLACK_COMMAND");
    expect(refused({ ...slackEnv, SLACK_COMMAND: "/desk", SLACK_ADMIN_COMMAND: "/desk" })).toContain("SLACK_ADMIN_COMMAND: must differ from SLACK_COMMAND");
    expect(refused({ ...slackEnv, SLACK_ADMIN_COMMAND: "credits-admin" })).toContain("SLACK_ADMIN_COMMAND: a slash command such as /credits-admin");
    // Overrides (tests, the console) are checked as well.
    expect(() => slackSettingsFrom(loadEnv(slackEnv), { adminCommand: "/credits" })).toThrow(SlackConfigError);
  });
});
