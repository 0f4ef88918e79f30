import type { Registry } from "../core/dispatch.ts";
import { startWebServer } from "../http/server.ts";
import type { Services } from "../services.ts";

/**
 * The web process: Slack's receiver with the usage API on the same port when Slack is
 * configured, the usage API alone otherwise. Returns how to stop it. The outbox is sent by the
 * worker, whose Slack deliverer draws from the deployment-wide limiters.
 */
export async function startWeb(services: Services, registry: Registry): Promise<{ stop: () => Promise<void> }> {
  if (services.env.SLACK_BOT_TOKEN) {
    const { startSlack } = await import("../platforms/slack/index.ts");
    const slack = await startSlack(services, registry);
    services.log.info({ url: slack.url }, "slack surface listening");
    return { stop: () => slack.stop() };
  }
  const server = await startWebServer(services, services.env.PORT);
  services.log.info({ port: services.env.PORT }, "usage API listening");
  return { stop: () => server.close() };
}
