import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Services } from "../services.ts";
import { sendJson, type ApiRoute, type RouteRequest } from "./io.ts";
import { apiRoutes } from "./routes.ts";

interface CompiledRoute {
  route: ApiRoute;
  pattern: RegExp;
  names: string[];
}

/** `/api/v1/accounts/:id/balance` → a regexp with one capture per `:name` segment. */
function compile(route: ApiRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(segment.slice(1));
      return "([^/]+)";
    })
    .join("/");
  return { route, pattern: new RegExp(`^${source}/?$`), names };
}

/** Routes requests to a list of Bolt-style custom routes: 404 for an unknown path, 405 for a wrong method. */
export function routeListener(routes: ApiRoute[]): (req: RouteRequest, res: import("node:http").ServerResponse) => void {
  const compiled = routes.map(compile);
  return (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const method = (req.method ?? "GET").toUpperCase();
    let allowed: string[] = [];
    for (const { route, pattern, names } of compiled) {
      const match = pattern.exec(path);
      if (!match) continue;
      if (route.method.toUpperCase() !== method) {
        allowed.push(route.method.toUpperCase());
        continue;
      }
      let params: Record<string, string>;
      try {
        params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1])]));
      } catch {
        sendJson(res, 400, { error: "invalid_path", message: "the path is not valid URL encoding" });
        return;
      }
      req.params = params;
      route.handler(req, res);
      return;
    }
    if (allowed.length > 0) {
      allowed = [...new Set(allowed)];
      sendJson(res, 405, { error: "method_not_allowed", message: `use ${allowed.join(", ")}` }, { allow: allowed.join(", ") });
      return;
    }
    sendJson(res, 404, { error: "not_found", message: `no route for ${method} ${path}` });
  };
}

export interface WebServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Serves apiRoutes with node:http, for deployments without Slack (Bolt's receiver serves them otherwise). */
export async function startWebServer(services: Services, port: number, host?: string): Promise<WebServer> {
  const server = createServer(routeListener(apiRoutes(services)));
  // Behind a load balancer that keeps connections open longer than Node's 5 s default.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  services.log.info({ port: actual }, "web server listening");
  return {
    server,
    port: actual,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
