import type { Registry } from "../../core/dispatch.ts";

/**
 * The Slack app manifest (docs.slack.dev/reference/app-manifest), built from the command
 * registry so the slash command's usage hint always lists the commands that exist. `npm run
 * slack:manifest` writes it to manifest.json; a test keeps the committed file in step.
 */

/**
 * What the bot needs, and nothing more. The history scopes let the outbox find a message an
 * interrupted attempt already posted (src/platforms/slack/postedOnce.ts), in direct messages and
 * in a public or private support channel.
 */
export const BOT_SCOPES = ["commands", "chat:write", "im:write", "im:history", "channels:history", "groups:history", "users:read", "usergroups:read", "files:read", "files:write"] as const;

export interface ManifestOptions {
  /** Public base URL of the web process; Slack posts to <url>/slack/events. */
  url: string;
  command: string;
  name?: string;
  /** Socket Mode: Slack needs no request URLs. */
  socketMode?: boolean;
}

export const PLACEHOLDER_URL = "https://credit-desk.example.com";

export function buildManifest(registry: Registry, options: ManifestOptions) {
  const name = options.name ?? "Credit Desk";
  const events = `${options.url.replace(/\/+$/, "")}/slack/events`;
  // Slash commands name their endpoint `url`; event subscriptions and interactivity `request_url`.
  const withUrl = <T extends object>(value: T, key: "url" | "request_url" = "request_url"): T => (options.socketMode ? value : { ...value, [key]: events });
  const customerCommands = registry.commands.filter((c) => c.audience === "customer").map((c) => c.name);
  const supportCommands = registry.commands.filter((c) => c.audience === "support").map((c) => c.name);
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name,
      description: "Top up with USDT, prove the payment, see your balance.",
      long_description:
        "Credit Desk is the billing desk of an AI API platform, in Slack. Customers top up with USDT or a manual method, send the transaction hash and a screenshot, and see their balance and orders. Support members confirm or reject top-ups from cards in the support channel; every change is an entry in an append-only ledger.",
      background_color: "#1d3b2a",
    },
    features: {
      app_home: { home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: true },
      bot_user: { display_name: name, always_online: true },
      slash_commands: [
        withUrl({
          command: options.command,
          description: "Billing desk: top up, balance, history, help",
          usage_hint: `${[...customerCommands, ...supportCommands].join(" | ")}`,
          should_escape: false,
        }, "url"),
      ],
    },
    oauth_config: { scopes: { bot: [...BOT_SCOPES] } },
    settings: {
      event_subscriptions: withUrl({ bot_events: ["app_home_opened"] }),
      interactivity: withUrl({ is_enabled: true }),
      org_deploy_enabled: false,
      socket_mode_enabled: options.socketMode === true,
      token_rotation_enabled: false,
    },
  };
}
