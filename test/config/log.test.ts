import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { loadEnv, secretValues } from "../../src/config/env.ts";
import { createLogger } from "../../src/log.ts";

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

describe("the logger", () => {
  const environment = {
    SLACK_BOT_TOKEN: "xoxb-1111-2222-SeCrEtVaLuE",
    SLACK_SIGNING_SECRET: "8f742231b10e8888abcd99",
    SLACK_SUPPORT_CHANNEL: "C1",
    SLACK_SUPPORT_USERS: "U1",
    DISCORD_TOKEN: "MTIz.discord-bot-token.value",
    DISCORD_APPLICATION_ID: "123456789012",
    DISCORD_SUPPORT_CHANNEL: "123456789013",
    DISCORD_SUPPORT_ROLES: "123456789014",
    DATABASE_URL: "postgres://app:db-pass-77@127.0.0.1:5432/app",
    API_KEYS: "gateway-key-aaaa",
  };

  it("never writes a configured secret value, wherever it appears in a line", async () => {
    const env = loadEnv(environment);
    const out = capture();
    const log = createLogger({ level: "info", secrets: secretValues(environment), destination: out.stream });

    log.info(`calling Slack with ${env.SLACK_BOT_TOKEN}`);
    log.info({ request: { headers: { Authorization: `Bearer ${env.SLACK_BOT_TOKEN}` } } }, "request");
    log.warn({ detail: { url: env.DATABASE_URL, key: "gateway-key-aaaa" } }, "connecting");
    log.error(new Error(`discord login failed for ${environment.DISCORD_TOKEN}`));
    log.info({ token: "short", signingSecret: environment.SLACK_SIGNING_SECRET }, "fields by name");
    log.info({ note: "db password db-pass-77 leaked into a message" }, "password alone");

    const text = out.text();
    expect(text.split("\n").filter(Boolean)).toHaveLength(6);
    for (const secret of [
      environment.SLACK_BOT_TOKEN,
      environment.SLACK_SIGNING_SECRET,
      environment.DISCORD_TOKEN,
      "db-pass-77",
      "gateway-key-aaaa",
      "SeCrEtVaLuE",
    ]) {
      expect(text).not.toContain(secret);
    }
    // Redacted by field name even though "short" is not a configured secret.
    expect(text).not.toContain('"short"');
    expect(text).toContain("[REDACTED]");
    // The rest of each line survives.
    expect(text).toContain("calling Slack with");
    expect(text).toContain("db password [REDACTED] leaked into a message");
  });

  it("uses the process environment's secrets by default", () => {
    const before = process.env.SLACK_BOT_TOKEN;
    process.env.SLACK_BOT_TOKEN = "xoxb-from-process-env-42";
    try {
      const out = capture();
      createLogger({ destination: out.stream }).info("token xoxb-from-process-env-42 in a message");
      expect(out.text()).toContain("token [REDACTED] in a message");
    } finally {
      if (before === undefined) delete process.env.SLACK_BOT_TOKEN;
      else process.env.SLACK_BOT_TOKEN = before;
    }
  });
});
