import client from "prom-client";
import type { PrismaClient } from "./db/index.ts";
import type { Deliverer } from "./notify/outbox.ts";

/**
 * Prometheus metrics, served on GET /metrics. Counters and histograms are per process (Prometheus
 * sums the replicas); the gauges that describe shared state (orders, outbox) are read from the
 * database at scrape time, so every replica reports the same truth.
 */
export const metricsRegistry = new client.Registry();
client.collectDefaultMetrics({ register: metricsRegistry, prefix: "credit_desk_" });

/** Ledger entries written by this process. Writers call `entriesPosted.inc({ type }, n)`. */
export const entriesPosted = new client.Counter({
  name: "credit_desk_ledger_entries_posted_total",
  help: "Ledger entries written, by entry type",
  labelNames: ["type"] as const,
  registers: [metricsRegistry],
});

/** Counts a committed posting's entries (a replay wrote nothing and counts nothing). */
export function countPosted(result: { replayed: boolean; entries: { type: string }[] }): void {
  if (result.replayed) return;
  for (const entry of result.entries) entriesPosted.inc({ type: entry.type });
}

/** Usage records received on the API, by outcome (accepted, duplicate, rejected). */
export const usageRecordsReceived = new client.Counter({
  name: "credit_desk_usage_records_total",
  help: "Usage records received on POST /api/v1/usage, by outcome",
  labelNames: ["outcome"] as const,
  registers: [metricsRegistry],
});

/** Chain RPC failures. The chain watcher and verifier call `rpcErrors.inc({ network })`. */
export const rpcErrors = new client.Counter({
  name: "credit_desk_rpc_errors_total",
  help: "Chain JSON-RPC calls that failed, by network",
  labelNames: ["network"] as const,
  registers: [metricsRegistry],
});

/**
 * Time from a platform request's arrival to its acknowledgement (Slack allows 3 s). Adapters call
 * `ackLatency.observe({ platform, kind }, seconds)` or use `ackLatency.startTimer({ ... })`.
 */
export const ackLatency = new client.Histogram({
  name: "credit_desk_ack_latency_seconds",
  help: "Time to acknowledge a platform request, by platform and kind",
  labelNames: ["platform", "kind"] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
  registers: [metricsRegistry],
});

/** Outbox deliveries by outcome, for the worker. */
export const outboxDeliveries = new client.Counter({
  name: "credit_desk_outbox_deliveries_total",
  help: "Outbox delivery attempts, by platform and outcome (sent, retry, failed)",
  labelNames: ["platform", "outcome"] as const,
  registers: [metricsRegistry],
});

const ordersByStatus = new client.Gauge({
  name: "credit_desk_orders",
  help: "Top-up orders, by status",
  labelNames: ["status"] as const,
  registers: [metricsRegistry],
});

const outboxDepth = new client.Gauge({
  name: "credit_desk_outbox_depth",
  help: "Outbox messages waiting to be sent, by platform",
  labelNames: ["platform"] as const,
  registers: [metricsRegistry],
});

const outboxOldestAge = new client.Gauge({
  name: "credit_desk_outbox_oldest_age_seconds",
  help: "Age of the oldest message still waiting in the outbox (0 when empty)",
  registers: [metricsRegistry],
});

const outboxDead = new client.Gauge({
  name: "credit_desk_outbox_dead",
  help: "Outbox messages given up on after their last attempt",
  registers: [metricsRegistry],
});

const ORDER_STATUSES = ["pending", "submitted", "confirmed", "rejected", "expired", "cancelled", "refunded"];

/** Reads the shared-state gauges: counts by status, over the orders table and the outbox index on status. */
export async function refreshDatabaseGauges(prisma: PrismaClient, now = new Date()): Promise<void> {
  const orders = await prisma.$queryRaw<{ status: string; n: bigint }[]>`
    SELECT "status", COUNT(*)::bigint AS n FROM "topup_orders" GROUP BY "status"`;
  const counts = new Map(orders.map((o) => [o.status, Number(o.n)]));
  for (const status of new Set([...ORDER_STATUSES, ...counts.keys()])) ordersByStatus.set({ status }, counts.get(status) ?? 0);

  const outbox = await prisma.$queryRaw<{ platform: string; n: bigint; oldest: Date | null }[]>`
    SELECT "platform", COUNT(*)::bigint AS n, MIN("createdAt") AS oldest
    FROM "outbox_messages" WHERE "status" = 'pending' GROUP BY "platform"`;
  outboxDepth.reset();
  let oldest: Date | null = null;
  for (const row of outbox) {
    outboxDepth.set({ platform: row.platform }, Number(row.n));
    if (row.oldest && (!oldest || row.oldest < oldest)) oldest = row.oldest;
  }
  outboxOldestAge.set(oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0);
  const [dead] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT COUNT(*)::bigint AS n FROM "outbox_messages" WHERE "status" = 'dead'`;
  outboxDead.set(Number(dead.n));
}

/** Counts every delivery attempt of a deliverer by outcome, for `credit_desk_outbox_deliveries_total`. */
export function countDeliveries(platform: string, deliverer: Deliverer): Deliverer {
  return {
    async deliver(message) {
      try {
        const outcome = await deliverer.deliver(message);
        outboxDeliveries.inc({ platform, outcome: outcome.status });
        return outcome;
      } catch (err) {
        outboxDeliveries.inc({ platform, outcome: "retry" });
        throw err;
      }
    },
  };
}
