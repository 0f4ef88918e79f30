import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, envSchema, loadEnv, secretValues, SECRET_VARIABLES } from "../../src/config/env.ts";

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("loadEnv accepted the environment");
}

describe("loadEnv", () => {
  it("gives working defaults for an empty environment, money as bigint micro-USD", () => {
    const env = loadEnv({});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PGLITE_DIR).toBe("./data/pglite");
    expect(env.TRIAL_STAGE1_USD).toBe(1_000_000n);
    expect(env.LOW_BALANCE_DEFAULT_USD).toBe(5_000_000n);
    expect(env.SPENDING_ORDER).toEqual(["trial", "promo", "bonus", "principal"]);
    expect(env.ONBOARDING_MODE).toBe("self-serve");
  });

  it("parses what it is given", () => {
    const env = loadEnv({
      DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db",
      TRIAL_STAGE2_USD: "0.5",
      SPENDING_ORDER: "promo, principal",
      SLACK_SUPPORT_USERS: "U1, U2,",
      PORT: "8080",
      EMPTY_IS_UNSET: "",
      ORDER_TTL_MINUTES: "",
    });
    expect(env.TRIAL_STAGE2_USD).toBe(500_000n);
    expect(env.SPENDING_ORDER).toEqual(["promo", "principal"]);
    expect(env.SLACK_SUPPORT_USERS).toEqual(["U1", "U2"]);
    expect(env.PORT).toBe(8080);
    expect(env.ORDER_TTL_MINUTES).toBe(60);
  });

  it("reports every bad variable at once, without echoing values", () => {
    const secret = "not-a-slack-token-but-secret-9f8e7d";
    const problems = problemsOf({
      DATABASE_URL: "mysql://root@localhost/db",
      PORT: "eighty",
      TRIAL_STAGE1_USD: "0.1234567",
      SPENDING_ORDER: "trial,gold",
      ONBOARDING_MODE: "open",
      SLACK_BOT_TOKEN: secret,
      LOG_LEVEL: "loud",
    });
    const named = problems.map((p) => p.split(":")[0]);
    for (const name of ["DATABASE_URL", "PORT", "TRIAL_STAGE1_USD", "SPENDING_ORDER", "ONBOARDING_MODE", "SLACK_BOT_TOKEN", "LOG_LEVEL"]) {
      expect(named.some((n) => n === name || n.startsWith(`${name}.`)), `${name} in ${problems.join("; ")}`).toBe(true);
    }
    expect(problems.join("\n")).not.toContain(secret);
    expect(problems.join("\n")).not.toContain("mysql://root");
  });

  it("requires what a platform needs once its token is set", () => {
    const problems = problemsOf({ DISCORD_TOKEN: "discord-token-value-123", SLACK_BOT_TOKEN: "xoxb-123-456-abc" });
    const named = problems.map((p) => p.split(":")[0]).sort();
    expect(named).toEqual(
      ["DISCORD_APPLICATION_ID", "DISCORD_SUPPORT_CHANNEL", "DISCORD_SUPPORT_ROLES", "SLACK_SIGNING_SECRET", "SLACK_SUPPORT_CHANNEL", "SLACK_SUPPORT_USERS"].sort(),
    );
  });

  it("reports a missing companion variable even when another variable is malformed", () => {
    const problems = problemsOf({ PORT: "eighty", DISCORD_TOKEN: "discord-token-value-123", DISCORD_APPLICATION_ID: "123456", DISCORD_SUPPORT_ROLES: "123456" });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["DISCORD_SUPPORT_CHANNEL", "PORT"]);
  });

  it("lists secret values for redaction, including passwords inside URLs", () => {
    const values = secretValues({
      SLACK_BOT_TOKEN: "xoxb-1-2-secret",
      API_KEYS: "key-one-123, key-two-456",
      DATABASE_URL: "postgres://app:s3cr3t-pw@db:5432/x",
      PORT: "3000",
    });
    expect(values).toEqual(expect.arrayContaining(["xoxb-1-2-secret", "key-one-123", "key-two-456", "s3cr3t-pw"]));
    expect(values).not.toContain("3000");
  });
});

describe(".env.example", () => {
  const example = readFileSync(fileURLToPath(new URL("../../.env.example", import.meta.url)), "utf8");
  const lines = example.split("\n");

  it("documents every variable of the schema, each with a comment above it", () => {
    for (const name of Object.keys(envSchema.shape)) {
      const at = lines.findIndex((l) => l.startsWith(`${name}=`));
      expect(at, `${name} is missing from .env.example`).toBeGreaterThan(0);
      expect(lines[at - 1], `${name} has no comment`).toMatch(/^#/);
    }
  });

  it("names no variable the schema does not know, and marks every secret", () => {
    const known = new Set(Object.keys(envSchema.shape));
    for (const [i, line] of lines.entries()) {
      const name = /^([A-Z0-9_]+)=/.exec(line)?.[1];
      if (!name) continue;
      expect(known.has(name), `${name} is not read by src/config/env.ts`).toBe(true);
      if ((SECRET_VARIABLES as readonly string[]).includes(name)) {
        const comment = lines.slice(0, i).reverse().findIndex((l) => !l.startsWith("#"));
        const block = lines.slice(i - (comment === -1 ? i : comment), i).join("\n");
        expect(block, `${name} is a secret`).toContain("SECRET");
        expect(line, `${name} must have no value in the example`).toBe(`${name}=`);
      }
    }
  });

  it("loads as it stands", () => {
    const env = Object.fromEntries(lines.filter((l) => /^[A-Z0-9_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    expect(() => loadEnv(env)).not.toThrow();
  });
});
