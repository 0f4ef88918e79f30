import type { Env } from "../../config/env.ts";

/** What the Slack surface needs from the environment, checked once. */
export interface SlackSettings {
  botToken: string;
  /** Required for the HTTP receiver; Socket Mode connections are authenticated by the app token. */
  signingSecret?: string;
  appToken?: string;
  supportChannel: string;
  supportUsers: string[];
  supportUsergroup?: string;
  /** Web API base, ending in "/api/" (Slack's own unless SLACK_API_URL says otherwise). */
  apiUrl: string;
  /** The slash command, "/credits" unless SLACK_COMMAND says otherwise. */
  command: string;
  /** The support slash command, "/credits-admin" unless SLACK_ADMIN_COMMAND says otherwise. */
  adminCommand: string;
  port: number;
  /** Where the web server is reachable from a browser, for signed screenshot links. */
  publicUrl?: string;
}

export const SLACK_API_URL = "https://slack.com/api/";

export class SlackConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SlackConfigError";
  }
}

export function slackSettingsFrom(env: Env, overrides: Partial<SlackSettings> = {}): SlackSettings {
  const settings: SlackSettings = {
    botToken: env.SLACK_BOT_TOKEN ?? "",
    signingSecret: env.SLACK_SIGNING_SECRET,
    appToken: env.SLACK_APP_TOKEN,
    supportChannel: env.SLACK_SUPPORT_CHANNEL ?? "",
    supportUsers: env.SLACK_SUPPORT_USERS,
    supportUsergroup: env.SLACK_SUPPORT_USERGROUP,
    apiUrl: env.SLACK_API_URL ?? SLACK_API_URL,
    command: env.SLACK_COMMAND,
    adminCommand: env.SLACK_ADMIN_COMMAND,
    port: env.PORT,
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ""),
    ...overrides,
  };
  if (!settings.botToken) throw new SlackConfigError("SLACK_BOT_TOKEN is not set");
  if (!settings.supportChannel) throw new SlackConfigError("SLACK_SUPPORT_CHANNEL is not set");
  if (settings.adminCommand === settings.command) throw new SlackConfigError(`SLACK_ADMIN_COMMAND must differ from SLACK_COMMAND (both are ${settings.command})`);
  if (!settings.appToken && !settings.signingSecret) throw new SlackConfigError("SLACK_SIGNING_SECRET is required for the HTTP receiver (or set SLACK_APP_TOKEN for Socket Mode)");
  // The Web client appends method names to this base; Slack's own ends in "/api/", and a base
  // without it would silently call the wrong paths.
  if (!settings.apiUrl.endsWith("/api/")) throw new SlackConfigError(`SLACK_API_URL must end with "/api/" (got ${settings.apiUrl})`);
  return settings;
}
