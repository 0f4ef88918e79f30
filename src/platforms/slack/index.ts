import { webApi } from "@slack/bolt";
import type { Deliverer } from "../../notify/outbox.ts";
import type { Services } from "../../services.ts";
import { boltLogger } from "./boltLogger.ts";
import { createSlackDeliverer } from "./deliverer.ts";
import { screenshotLinks } from "./screenshots.ts";
import { slackSettingsFrom } from "./settings.ts";
import { createSlackApi, webClientOptions } from "./webApi.ts";
import { limitersFromEnv } from "../../limits/index.ts";
import { limitSlackApi } from "./limitedApi.ts";

/**
 * The Slack adapter. `createSlackApp` builds the surface; the web process (src/app/web.ts) mounts
 * its `routes` on its own server, or starts it in Socket Mode. Its `deliverer` sends the outbox.
 */
export { createSlackApp, type SlackAppOptions, type SlackSurface } from "./app.ts";
export { EVENTS_PATH, type SlackRoute } from "./routes.ts";
export { createSlackDeliverer } from "./deliverer.ts";
export { limitSlackApi } from "./limitedApi.ts";
export { slackSettingsFrom, SlackConfigError, type SlackSettings } from "./settings.ts";

/**
 * The Slack deliverer alone, for a worker process that sends the outbox without receiving
 * Slack's requests. It needs SLACK_BOT_TOKEN and SLACK_SUPPORT_CHANNEL.
 */
export function slackDelivererFromEnv(services: Services): { deliverer: Deliverer; stop(): Promise<void> } {
  const settings = slackSettingsFrom(services.env);
  const client = new webApi.WebClient(settings.botToken, webClientOptions(settings.apiUrl, boltLogger(services.log)));
  // Deployment-wide limits (shared through Redis when REDIS_URL is set) in front of the per-process ones.
  const limiters = limitersFromEnv(services.env, services.log);
  const api = limitSlackApi(createSlackApi(client), limiters);
  const deliverer = createSlackDeliverer({
    api,
    prisma: services.prisma,
    supportChannel: settings.supportChannel,
    render: { screenshots: screenshotLinks(settings.publicUrl, settings.signingSecret ?? settings.botToken) },
    log: services.log,
  });
  return {
    deliverer,
    async stop() {
      await api.stop();
      await limiters.close();
    },
  };
}
