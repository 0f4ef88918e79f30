import type { Services } from "../services.ts";
import { balanceRoute } from "./balanceRoute.ts";
import { guarded } from "./guard.ts";
import { healthRoute, metricsRoute } from "./healthRoute.ts";
import type { ApiRoute } from "./io.ts";
import { linkCodesRoute } from "./linkCodesRoute.ts";
import { usageRoute } from "./usageRoute.ts";

/**
 * Every HTTP route besides Slack's own, in the shape of Bolt's `customRoutes` (HTTPReceiver
 * matches `:id` with path-to-regexp and sets `req.params`), so the same list is mounted in Bolt
 * when Slack is configured and served by startWebServer when it is not.
 */
export function apiRoutes(services: Services): ApiRoute[] {
  const api = (handler: Parameters<typeof guarded>[1]) => guarded(services, handler, { auth: true });
  const open = (handler: Parameters<typeof guarded>[1]) => guarded(services, handler, { auth: false });
  return [
    { path: "/api/v1/usage", method: "POST", handler: api(usageRoute(services)) },
    { path: "/api/v1/accounts/:id/balance", method: "GET", handler: api(balanceRoute(services)) },
    { path: "/api/v1/link-codes", method: "POST", handler: api(linkCodesRoute(services)) },
    { path: "/healthz", method: "GET", handler: open(healthRoute(services)) },
    { path: "/metrics", method: "GET", handler: open(metricsRoute(services)) },
  ];
}
