import { GatewayClient } from "../gateway/client.ts";
import { gatewayDeliverer } from "../gateway/deliverer.ts";
import { pullConsumeLogs } from "../gateway/pullConsumeLogs.ts";
import { gatewaySettings } from "../gateway/settings.ts";
import { every } from "../lib/loop.ts";
import type { Deliverers } from "../notify/outbox.ts";
import type { Services } from "../services.ts";
import { loadWebhookConfig } from "./config.ts";
import { webhookDeliverer } from "./deliverer.ts";
import { runRelay } from "./relay.ts";

/**
 * What the worker runs for the platform behind the bot: the event relay (always, so that the
 * cursors stay current and switching webhooks on later does not replay history), the webhook
 * and gateway deliverers when configured, and the pull of the gateway's consumption logs when
 * GATEWAY_PULL_LOGS is on. A bad webhooks file stops the worker at start-up, named.
 */
export function startIntegrations(services: Services, signal: AbortSignal, source: NodeJS.ProcessEnv = process.env): { deliverers: Deliverers; loops: Promise<void>[] } {
  const webhooks = loadWebhookConfig(services.env, source);
  const gateway = gatewaySettings(services.env);
  const deliverers: Deliverers = {};
  if (webhooks.endpoints.length) deliverers.webhook = webhookDeliverer(services.prisma, webhooks, { log: services.log, now: services.now });
  const loops = [runRelay({ prisma: services.prisma, webhooks, gateway, log: services.log, pollMs: services.env.RELAY_POLL_MS, signal })];
  if (gateway) {
    const client = new GatewayClient(gateway);
    deliverers.gateway = gatewayDeliverer(services.prisma, client, services.log);
    if (gateway.pullLogs) {
      loops.push(
        every(
          gateway.logPollMs,
          signal,
          async () => {
            const pulled = await pullConsumeLogs({
              prisma: services.prisma,
              client,
              settings: gateway,
              now: services.now,
              driver: services.db.driver,
              spendingOrder: services.env.SPENDING_ORDER,
              log: services.log,
            });
            if (pulled.accepted) services.log.info(pulled, "gateway consumption logs debited");
          },
          (err) => services.log.error({ err }, "pulling the gateway's consumption logs failed"),
        ),
      );
    }
  }
  return { deliverers, loops };
}
