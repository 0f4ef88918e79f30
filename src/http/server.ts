import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../log.ts";
import type { Services } from "../services.ts";
import { sendJson, type Route, type RouteRequest } from "./io.ts";
import { apiRoutes, healthRoutes } from "./routes.ts";

export type { Route } from "./io.ts";

/**
 * The one HTTP server of the web process, with one router: the usage API, /healthz and /metrics
 * from src/http, Slack's /slack/events and screenshot links from the Slack adapter, each handed
 * over as a Route.
 */

interface CompiledRoute {
  route: Route;
  method: string;
  pattern: RegExp;
  names: string[];
}

/** `/api/v1/accounts/:id/balance` → a regexp with one capture per `:name` segment. */
function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(segment.slice(1));
      return "([^/]+)";
    })
    .join("/");
  return { route, method: route.method.toUpperCase(), pattern: new RegExp(`^${source}/?$`), names };
}

/** Two routes for one method and path would leave one of them dead: refuse them at start-up. */
function refuseDuplicates(compiled: CompiledRoute[]): void {
  const seen = new Set<string>();
  for (const { method, route } of compiled) {
    const key = `${method} ${route.path}`;
    if (seen.has(key)) throw new Error(`two HTTP routes for ${key}`);
    seen.add(key);
  }
}

/** Routes a request by method and path: 404 for an unknown path, 405 (with Allow) for a wrong method. */
export function routeListener(routes: Route[]): (req: IncomingMessage, res: ServerResponse) => void {
  const compiled = routes.map(compile);
  refuseDuplicates(compiled);
  return (req: RouteRequest, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const method = (req.method ?? "GET").toUpperCase();
    const allowed = new Set<string>();
    for (const { route, method: wanted, pattern, names } of compiled) {
      const match = pattern.exec(path);
      if (!match) continue;
      if (wanted !== method) {
        allowed.add(wanted);
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
    if (allowed.size > 0) {
      const allow = [...allowed].join(", ");
      sendJson(res, 405, { error: "method_not_allowed", message: `use ${allow}` }, { allow });
      return;
    }
    sendJson(res, 404, { error: "not_found", message: `no route for ${method} ${path}` });
  };
}

/** A node:http server for these routes, not yet listening. */
export function createWebServer(routes: Route[]): Server {
  const server = createServer(routeListener(routes));
  // Behind a load balancer that keeps connections open longer than Node's 5 s default.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

export interface WebServer {
  server: Server;
  port: number;
  /** http://<host>:<port>, with 127.0.0.1 for a server listening on every interface. */
  url: string;
  close(): Promise<void>;
}

/** Creates the server for `routes` and listens on `port` (0: any free port). */
export async function serveRoutes(routes: Route[], options: { port: number; host?: string; log?: Logger }): Promise<WebServer> {
  const server = createWebServer(routes);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${address.port}`;
  options.log?.info({ port: address.port }, "web server listening");
  return {
    server,
    port: address.port,
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The web server without chat routes: the usage API, /healthz and /metrics. */
export function startWebServer(services: Services, port: number, host?: string): Promise<WebServer> {
  return serveRoutes([...apiRoutes(services), ...healthRoutes(services)], { port, host, log: services.log });
}
