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
  /** The customer command, "/credits" by default. */
  command: string;
  /** The support command, "/credits-admin" by default (SLACK_ADMIN_COMMAND). */
  adminCommand?: string;
  name?: string;
  /** Socket Mode: Slack needs no request URLs. */
  socketMode?: boolean;
}

export const PLACEHOLDER_URL = "https://credit-desk.example.com";
export const DEFAULT_ADMIN_COMMAND = "/credits-admin";

/**
 * What Slack's manifest schema (github.com/slackapi/manifest-schema, schemas/manifest.schema.1.0.0.json)
 * requires of the values this builder takes from its caller: a slash command starts with "/" and
 * has 2 to 32 characters; a slash command's `url` and the `request_url`s match `^https?://`, at
 * most 3000 characters for the command's. Slack sends events and interactions only to a request
 * URL it can reach over TLS, so http is refused here too. A bad value is reported before anything
 * is written, instead of making a manifest Slack refuses when it is pasted.
 */
export function manifestOptionProblems(options: ManifestOptions): string[] {
  const problems: string[] = [];
  if (!options.socketMode) {
    const events = eventsUrl(options.url);
    let parsed: URL | undefined;
    try {
      parsed = new URL(options.url);
    } catch {
      // reported below
    }
    if (!/^https?:\/\//.test(options.url) || !parsed || parsed.protocol !== "https:" || !parsed.hostname) {
      problems.push(`--url must be an https URL such as ${PLACEHOLDER_URL} (got ${JSON.stringify(options.url)})`);
    } else if (parsed.username || parsed.password || parsed.search || parsed.hash) {
      problems.push(`--url must be the web process's base URL, without credentials, query or fragment (got ${JSON.stringify(options.url)})`);
    } else if (events.length > 3000) {
      problems.push(`--url is too long: Slack takes at most 3000 characters for a request URL (${events.length})`);
    }
  }
  const commands = [options.command, options.adminCommand ?? DEFAULT_ADMIN_COMMAND];
  for (const command of commands) {
    if (!/^\/[a-z0-9_-]{1,31}$/.test(command)) problems.push(`a slash command is "/" and 1 to 31 lower-case letters, digits, "-" or "_" (got ${JSON.stringify(command)})`);
  }
  if (commands[0] === commands[1]) problems.push(`the support command must differ from the customer command (both are ${commands[0]})`);
  return problems;
}

const eventsUrl = (url: string) => `${url.replace(/\/+$/, "")}/slack/events`;

/**
 * The customer command's usage hint lists only what customers can do: support tools live under the
 * support command, so a customer never reads "confirm | reject | account" in Slack's composer.
 * Either command runs any command and dispatch checks rights (listeners/commands.ts).
 */
export function buildManifest(registry: Registry, options: ManifestOptions) {
  const name = options.name ?? "Credit Desk";
  const events = eventsUrl(options.url);
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
        // should_escape: Slack sends `@alice` as <@U123|alice> (an id, not a display name that may
        // be ambiguous), channels and links in their <…> form; commandText.ts reads them back.
        withUrl({
          command: options.command,
          description: "Billing desk: top up, balance, history, help",
          usage_hint: clipHint(customerCommands),
          should_escape: true,
        }, "url"),
        withUrl({
          command: options.adminCommand ?? DEFAULT_ADMIN_COMMAND,
          description: "Support desk: decide top-ups, the queue, look up accounts",
          usage_hint: clipHint(supportCommands),
          should_escape: true,
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

/** The schema allows 1000 characters of usage hint; the commands that do not fit are left to `help`. */
function clipHint(names: string[]): string {
  let hint = "";
  for (const name of names) {
    const next = hint ? `${hint} | ${name}` : name;
    if (next.length > 1000) break;
    hint = next;
  }
  return hint || "help";
}
