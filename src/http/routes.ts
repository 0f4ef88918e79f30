import type { Services } from "../services.ts";
import { balanceRoute } from "./balanceRoute.ts";
import { guarded } from "./guard.ts";
import { healthRoute, metricsRoute } from "./healthRoute.ts";
import type { Route } from "./io.ts";
import { linkCodesRoute } from "./linkCodesRoute.ts";
import { usageRoute } from "./usageRoute.ts";

/** The usage API for the platform's gateway, every route behind a bearer key of API_KEYS. */
export function apiRoutes(services: Services): Route[] {
  const api = (handler: Parameters<typeof guarded>[1]) => guarded(services, handler, { auth: true });
  return [
    { path: "/api/v1/usage", method: "POST", handler: api(usageRoute(services)) },
    { path: "/api/v1/accounts/:id/balance", method: "GET", handler: api(balanceRoute(services)) },
    { path: "/api/v1/link-codes", method: "POST", handler: api(linkCodesRoute(services)) },
  ];
}

/** /healthz and /metrics, without a key: they stay behind the load balancer. */
export function healthRoutes(services: Services): Route[] {
  const open = (handler: Parameters<typeof guarded>[1]) => guarded(services, handler, { auth: false });
  return [
    { path: "/healthz", method: "GET", handler: open(healthRoute(services)) },
    { path: "/metrics", method: "GET", handler: open(metricsRoute(services)) },
  ];
}
