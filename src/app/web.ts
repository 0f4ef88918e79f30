import type { Registry } from "../core/dispatch.ts";
import { startWebServer } from "../http/server.ts";
import type { Deliverers } from "../notify/outbox.ts";
import type { Services } from "../services.ts";

/**
 * The web process: Slack's receiver with the usage API on the same port when Slack is
 * configured, the usage API alone otherwise. Returns how to stop it, and the Slack deliverer so a
 * worker in the same process shares its rate limiters.
 */
export async function startWeb(services: Services, registry: Registry): Promise<{ stop: () => Promise<void>; deliverers: Deliverers }> {
  if (services.env.SLACK_BOT_TOKEN) {
    const { startSlack } = await import("../platforms/slack/index.ts");
    const slack = await startSlack(services, registry);
    services.log.info({ url: slack.url }, "slack surface listening");
    return { stop: () => slack.stop(), deliverers: { slack: slack.deliverer } };
  }
  const server = await startWebServer(services, services.env.PORT);
  services.log.info({ port: services.env.PORT }, "usage API listening");
  return { stop: () => server.close(), deliverers: {} };
}
