import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { buildManifest, PLACEHOLDER_URL } from "../../src/platforms/slack/manifest.ts";

describe("manifest.json", () => {
  it("is what `npm run slack:manifest` builds from the command registry", () => {
    const committed = JSON.parse(readFileSync(new URL("../../manifest.json", import.meta.url), "utf8"));
    expect(committed, "manifest.json is out of date: run npm run slack:manifest").toEqual(buildManifest(registry, { url: PLACEHOLDER_URL, command: "/credits" }));
  });

  it("lists every command in the usage hint, subscribes app_home_opened, and asks only for the scopes it uses", () => {
    const manifest = buildManifest(registry, { url: "https://billing.example.com/", command: "/credits" });
    const slash = manifest.features.slash_commands[0];
    expect(slash.command).toBe("/credits");
    for (const c of registry.commands) expect(slash.usage_hint.split(" | ")).toContain(c.name);
    expect(slash).toMatchObject({ url: "https://billing.example.com/slack/events" });
    expect(manifest.settings.event_subscriptions).toEqual({ bot_events: ["app_home_opened"], request_url: "https://billing.example.com/slack/events" });
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: "https://billing.example.com/slack/events" });
    expect(manifest.oauth_config.scopes.bot).toEqual(["commands", "chat:write", "im:write", "im:history", "channels:history", "groups:history", "users:read", "usergroups:read", "files:read", "files:write"]);
  });

  it("needs no request URLs in Socket Mode", () => {
    const manifest = buildManifest(registry, { url: PLACEHOLDER_URL, command: "/credits", socketMode: true });
    expect(JSON.stringify(manifest)).not.toContain("/slack/events");
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });
});
