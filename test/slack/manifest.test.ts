import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { buildManifest, manifestOptionProblems, PLACEHOLDER_URL } from "../../src/platforms/slack/manifest.ts";

const customerNames = registry.commands.filter((c) => c.audience === "customer").map((c) => c.name);
const supportNames = registry.commands.filter((c) => c.audience === "support").map((c) => c.name);

describe("manifest.json", () => {
  it("is what `npm run slack:manifest` builds from the command registry", () => {
    const committed = JSON.parse(readFileSync(new URL("../../manifest.json", import.meta.url), "utf8"));
    expect(committed, "manifest.json is out of date: run npm run slack:manifest").toEqual(buildManifest(registry, { url: PLACEHOLDER_URL, command: "/credits" }));
  });

  it("has a customer command whose usage hint names no support command, and a separate support command for those", () => {
    const manifest = buildManifest(registry, { url: "https://billing.example.com/", command: "/credits" });
    const [customer, admin, ...more] = manifest.features.slash_commands;
    expect(more).toEqual([]);
    expect(customer.command).toBe("/credits");
    expect(admin.command).toBe("/credits-admin");
    expect(customer.usage_hint.split(" | ")).toEqual(customerNames);
    expect(admin.usage_hint.split(" | ")).toEqual(supportNames);
    for (const word of ["confirm", "reject", "recheck", "queue", "account", "adjust", "audit"]) {
      expect(supportNames).toContain(word);
      expect(customer.usage_hint.split(" | ")).not.toContain(word);
    }
    for (const slash of [customer, admin]) {
      // Slack then sends @alice as <@U…|alice>, which commandText.ts reads.
      expect(slash.should_escape).toBe(true);
      expect(slash).toMatchObject({ url: "https://billing.example.com/slack/events" });
      // The manifest schema's limits (slackapi/manifest-schema, v1 slash_commands).
      expect(slash.command).toMatch(/^\/.{1,31}$/);
      expect(slash.usage_hint.length).toBeLessThanOrEqual(1000);
      expect(slash.description.length).toBeLessThanOrEqual(2000);
    }
    expect(buildManifest(registry, { url: PLACEHOLDER_URL, command: "/billing", adminCommand: "/billing-desk" }).features.slash_commands.map((s) => s.command)).toEqual(["/billing", "/billing-desk"]);
  });

  it("subscribes app_home_opened and asks only for the scopes it uses", () => {
    const manifest = buildManifest(registry, { url: "https://billing.example.com/", command: "/credits" });
    expect(manifest.settings.event_subscriptions).toEqual({ bot_events: ["app_home_opened"], request_url: "https://billing.example.com/slack/events" });
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: "https://billing.example.com/slack/events" });
    expect(manifest.oauth_config.scopes.bot).toEqual(["commands", "chat:write", "im:write", "im:history", "channels:history", "groups:history", "users:read", "usergroups:read", "files:read", "files:write"]);
  });

  it("needs no request URLs in Socket Mode", () => {
    const manifest = buildManifest(registry, { url: PLACEHOLDER_URL, command: "/credits", socketMode: true });
    expect(JSON.stringify(manifest)).not.toContain("/slack/events");
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });

  it("refuses what Slack's manifest schema would: a URL that is not https, a bad command, the same command twice", () => {
    const ok = { url: "https://billing.example.com/base", command: "/credits" };
    expect(manifestOptionProblems(ok)).toEqual([]);
    expect(manifestOptionProblems({ ...ok, url: "notaurl", socketMode: true })).toEqual([]);
    for (const url of ["notaurl", "http://billing.example.com", "ftp://billing.example.com", "https://", "https://user:pw@billing.example.com", "https://billing.example.com/?a=1", `https://billing.example.com/${"a".repeat(3000)}`]) {
      expect(manifestOptionProblems({ ...ok, url }), url).toHaveLength(1);
    }
    expect(manifestOptionProblems({ ...ok, command: "credits" })[0]).toContain('"credits"');
    expect(manifestOptionProblems({ ...ok, adminCommand: "/credits" })).toEqual(["the support command must differ from the customer command (both are /credits)"]);
  });
});

describe("npm run slack:manifest", () => {
  const dir = mkdtempSync(join(tmpdir(), "slack-manifest-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = new URL("../../scripts/slack-manifest.ts", import.meta.url).pathname;
  const run = (...args: string[]) => {
    const env = { ...process.env };
    delete env.SLACK_COMMAND;
    delete env.SLACK_ADMIN_COMMAND;
    return spawnSync(process.execPath, ["--import", "tsx", script, ...args], { encoding: "utf8", env, timeout: 60_000 });
  };

  it("exits 2 with a clear message and writes nothing when --url is not an https URL", () => {
    const fresh = join(dir, "fresh.json");
    const existing = join(dir, "existing.json");
    writeFileSync(existing, "{\"before\": true}\n");
    for (const [out, url] of [[fresh, "notaurl"], [existing, "notaurl"], [existing, "http://billing.example.com"]]) {
      const result = run("--url", url, "--out", out);
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toContain(`--url must be an https URL such as https://credit-desk.example.com (got "${url}")`);
      expect(result.stderr).toContain("nothing written");
    }
    expect(existsSync(fresh)).toBe(false);
    expect(readFileSync(existing, "utf8")).toBe("{\"before\": true}\n");
    expect(run("--no-such-option", "--out", fresh).status).toBe(2);
    expect(existsSync(fresh)).toBe(false);
  });

  it("writes the manifest for a good URL, with the request URLs under it", () => {
    const out = join(dir, "good.json");
    const result = run("--url", "https://billing.example.com/", "--out", out);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(buildManifest(registry, { url: "https://billing.example.com/", command: "/credits" }));
  });
});
