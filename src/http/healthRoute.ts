import type { Services } from "../services.ts";
import { metricsRegistry, refreshDatabaseGauges } from "../metrics.ts";
import type { RouteHandler } from "./guard.ts";
import { sendJson } from "./io.ts";

const HEALTH_TIMEOUT_MS = 2000;

/** GET /healthz: 200 when the database answers within 2 s, else 503 (the load balancer takes us out). */
export function healthRoute(services: Services): RouteHandler {
  return async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timed out")), HEALTH_TIMEOUT_MS);
    });
    try {
      await Promise.race([services.prisma.$queryRaw`SELECT 1`, timeout]);
      sendJson(res, 200, { ok: true });
    } catch (err) {
      services.log.warn({ err: err instanceof Error ? err.message : String(err) }, "health check: database unreachable");
      sendJson(res, 503, { ok: false, error: "database_unreachable" });
    } finally {
      clearTimeout(timer);
    }
  };
}

/** How long the database gauges (three aggregates) are reused: scrapes every second cost one refresh. */
export const GAUGE_TTL_MS = 15_000;

/**
 * GET /metrics in Prometheus text format; process metrics still answer when the database does
 * not. The database gauges are refreshed at most once per GAUGE_TTL_MS, by one scrape at a time.
 */
export function metricsRoute(services: Services, ttlMs = GAUGE_TTL_MS): RouteHandler {
  let refreshedAt = -Infinity;
  let refreshing: Promise<void> | null = null;
  const refresh = () => {
    refreshing ??= refreshDatabaseGauges(services.prisma)
      .then(() => {
        refreshedAt = Date.now();
      })
      .catch((err: unknown) => services.log.warn({ err: err instanceof Error ? err.message : String(err) }, "metrics: database gauges not refreshed"))
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  };
  return async (_req, res) => {
    if (Date.now() - refreshedAt >= ttlMs) await refresh();
    const text = await metricsRegistry.metrics();
    res.writeHead(200, { "content-type": metricsRegistry.contentType });
    res.end(text);
  };
}
