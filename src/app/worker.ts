import type { Registry } from "../core/dispatch.ts";
import { every } from "../lib/loop.ts";
import { forgetOldRates } from "../limits/userRate.ts";
import { countDeliveries } from "../metrics.ts";
import { runOutbox, type Deliverers } from "../notify/outbox.ts";
import type { Services } from "../services.ts";
import { outboxRenderer } from "../views/outbox.ts";
import { expireOrders } from "../topups/expireOrders.ts";
import { startChainWatcher } from "../payments/watcher.ts";
import { closeChainClients } from "../chain/rpc.ts";
import { startIntegrations } from "../webhooks/integrations.ts";

const EXPIRY_INTERVAL_MS = 30_000;

/**
 * The worker process: delivers the outbox through every configured platform, watches the chain
 * for submitted USDT payments (auto-confirming where a network allows it), and expires pending
 * orders past their deadline. Any number of workers can run on one database.
 */
export async function startWorker(
  services: Services,
  _registry: Registry,
  signal: AbortSignal,
  /** Deliverers a surface in this process already has (they share its rate-limit state). */
  provided: Deliverers = {},
): Promise<() => Promise<void>> {
  const deliverers: Deliverers = { ...provided };
  const stops: (() => Promise<void>)[] = [];
  if (services.env.SLACK_BOT_TOKEN && !deliverers.slack) {
    const { slackDelivererFromEnv } = await import("../platforms/slack/index.ts");
    const slack = slackDelivererFromEnv(services);
    deliverers.slack = slack.deliverer;
    stops.push(slack.stop);
  }
  if (services.env.DISCORD_TOKEN && !deliverers.discord) {
    const { discordDelivererFromEnv } = await import("../platforms/discord/index.ts");
    const discord = discordDelivererFromEnv(services);
    deliverers.discord = discord.deliverer;
    stops.push(discord.stop);
  }
  // Webhooks and the gateway connector: the event relay, their deliverers, the consumption-log pull.
  const integrations = startIntegrations(services, signal);
  for (const [platform, deliverer] of Object.entries(integrations.deliverers)) deliverers[platform as keyof Deliverers] ??= deliverer;

  const counted: Deliverers = Object.fromEntries(
    Object.entries(deliverers).map(([platform, deliverer]) => [platform, countDeliveries(platform, deliverer)]),
  );
  const loops = [
    runOutbox({ prisma: services.prisma, deliverers: counted, render: outboxRenderer(services), log: services.log, pollMs: services.env.OUTBOX_POLL_MS, signal }),
    every(
      EXPIRY_INTERVAL_MS,
      signal,
      async () => {
        const expired = await expireOrders(services);
        if (expired) services.log.info({ expired }, "orders expired");
        await forgetOldRates(services.prisma, services.now());
      },
      (err) => services.log.error({ err }, "order expiry failed"),
    ),
    // Expiry runs above, once for every network.
    startChainWatcher(services, signal, { expiryIntervalMs: 0 }),
    ...integrations.loops,
  ];
  return async () => {
    await Promise.allSettled(loops);
    for (const stop of stops) await stop();
    closeChainClients();
  };
}
