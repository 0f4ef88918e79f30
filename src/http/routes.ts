import type { Services } from "../services.ts";
import { balanceRoute } from "./balanceRoute.ts";
import { guarded } from "./guard.ts";
import { healthRoute, metricsRoute } from "./healthRoute.ts";
import type { Route } from "./io.ts";
import { linkCodesRoute } from "./linkCodesRoute.ts";
import { OPENAPI_PATH, openApiRoute } from "./openapi.ts";
import { usageRoute } from "./usageRoute.ts";

/**
 * The usage API for the platform's gateway, every route behind a bearer key of API_KEYS but its
 * OpenAPI description, which holds nothing of any account. A route added here is described in
 * src/http/openapi.ts: test/http/openapi.test.ts fails on an /api/ route the document lacks.
 */
export function apiRoutes(services: Services): Route[] {
  const api = (handler: Parameters<typeof guarded>[1]) => guarded(services, handler, { auth: true });
  return [
    { path: "/api/v1/usage", method: "POST", handler: api(usageRoute(services)) },
    { path: "/api/v1/accounts/:id/balance", method: "GET", handler: api(balanceRoute(services)) },
    { path: "/api/v1/link-codes", method: "POST", handler: api(linkCodesRoute(services)) },
    { path: OPENAPI_PATH, method: "GET", handler: guarded(services, openApiRoute(), { auth: false }) },
  ];
}

/** /healthz without a key (the load balancer asks it); /metrics behind METRICS_TOKEN when it is set. */
export function healthRoutes(services: Services): Route[] {
  const metricsToken = services.env.METRICS_TOKEN;
  return [
    { path: "/healthz", method: "GET", handler: guarded(services, healthRoute(services), { auth: false }) },
    { path: "/metrics", method: "GET", handler: guarded(services, metricsRoute(services), { auth: metricsToken ? [metricsToken] : false }) },
  ];
}
