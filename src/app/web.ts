import type { Registry } from "../core/dispatch.ts";
import { apiRoutes, healthRoutes } from "../http/routes.ts";
import { serveRoutes, type Route, type WebServer } from "../http/server.ts";
import { createSlackApp, type SlackAppOptions, type SlackSurface } from "../platforms/slack/index.ts";
import type { Services } from "../services.ts";
import { StartupStepError } from "./startupStep.ts";

export interface WebOptions {
  /** PORT unless said otherwise (0: any free port). */
  port?: number;
  /** All interfaces unless said otherwise. */
  host?: string;
  slack?: SlackAppOptions;
}

export interface Web {
  url: string;
  port: number;
  /** The Slack surface, when SLACK_BOT_TOKEN is set: its deliverer, its people, its Bolt app. */
  slack?: SlackSurface;
  stop(): Promise<void>;
}

/**
 * The web process owns the HTTP server, one for everything on PORT: the usage API, /healthz and
 * /metrics, and when Slack is configured Slack's routes (POST /slack/events over HTTP, the signed
 * screenshot links with PUBLIC_URL). In Socket Mode Slack needs no route for its events, and the
 * surface connects to Slack instead. Every route module is imported statically: one that fails
 * to load stops start-up. The outbox is sent by the worker, whose Slack deliverer draws from the
 * deployment-wide limiters.
 */
export async function startWeb(services: Services, registry: Registry, options: WebOptions = {}): Promise<Web> {
  const slack = services.env.SLACK_BOT_TOKEN ? createSlackApp(services, registry, options.slack) : undefined;
  const routes: Route[] = [...apiRoutes(services), ...healthRoutes(services), ...(slack?.routes ?? [])];
  let server: WebServer | undefined;
  try {
    server = await serveRoutes(routes, { port: options.port ?? services.env.PORT, host: options.host });
    await slack?.start().catch((err: unknown) => {
      throw new StartupStepError("slack", err);
    });
  } catch (err) {
    await server?.close().catch(() => undefined);
    await slack?.stop();
    throw err;
  }
  const listening = server;
  services.log.info(
    { port: listening.port, slack: slack ? (slack.settings.appToken ? "socket mode" : "http") : "off", routes: routes.map((r) => `${r.method} ${r.path}`) },
    "web server listening",
  );
  return {
    url: listening.url,
    port: listening.port,
    slack,
    async stop() {
      await listening.close();
      await slack?.stop();
    },
  };
}
