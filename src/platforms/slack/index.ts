import { webApi } from "@slack/bolt";
import type { Registry } from "../../core/dispatch.ts";
import type { Deliverer } from "../../notify/outbox.ts";
import type { Services } from "../../services.ts";
import { createSlackApp, type SlackAppOptions, type SlackSurface } from "./app.ts";
import { boltLogger } from "./boltLogger.ts";
import { createSlackDeliverer } from "./deliverer.ts";
import { screenshotLinks } from "./screenshots.ts";
import { slackSettingsFrom } from "./settings.ts";
import { createSlackApi, webClientOptions } from "./webApi.ts";
import { limitersFromEnv } from "../../limits/index.ts";
import { limitSlackApi } from "./limitedApi.ts";

export { createSlackApp, type SlackAppOptions, type SlackSurface } from "./app.ts";
export { createSlackDeliverer } from "./deliverer.ts";
export { limitSlackApi } from "./limitedApi.ts";
export { slackSettingsFrom, SlackConfigError, type SlackSettings } from "./settings.ts";

/**
 * Starts the Slack surface from the environment: the HTTP receiver on PORT (POST /slack/events,
 * plus the usage API and signed screenshot links on the same server), or Socket Mode when
 * SLACK_APP_TOKEN is set. Its `deliverer` goes into the outbox worker's deliverers as `slack`.
 */
export async function startSlack(services: Services, registry: Registry, options: SlackAppOptions = {}): Promise<SlackSurface & { url?: string }> {
  const surface = await createSlackApp(services, registry, options);
  const { url } = await surface.start();
  return Object.assign(surface, { url });
}

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
  });
  return {
    deliverer,
    async stop() {
      await api.stop();
      await limiters.close();
    },
  };
}
