import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { UserError } from "../errors.ts";
import { translate } from "../i18n.ts";
import type { Services } from "../services.ts";
import { bearerAuth } from "./auth.ts";
import { ClientGone, HttpError, sendError, sendJson, type RouteRequest } from "./io.ts";

export type RouteHandler = (req: RouteRequest, res: ServerResponse) => Promise<void>;

/** User errors that mean "no such thing" answer 404; the rest of them are bad input. */
const NOT_FOUND_KEYS = new Set(["errors.account_not_found"]);

/**
 * Wraps a handler: checks the bearer key (for API routes) and turns every failure into a JSON
 * answer. Unexpected errors are logged with a trace id and answered 500 without their detail.
 */
export function guarded(services: Services, handler: RouteHandler, options: { auth: boolean | readonly string[] }): (req: RouteRequest, res: ServerResponse) => void {
  const keys = options.auth === true ? services.env.API_KEYS : options.auth === false ? null : options.auth;
  const authorize = keys ? bearerAuth(keys) : undefined;
  return (req, res) => {
    const run = async () => {
      authorize?.(req);
      await handler(req, res);
    };
    run().catch((err: unknown) => {
      if (err instanceof ClientGone) {
        services.log.debug({ method: req.method, path: req.url?.split("?")[0] }, "client left before its request body ended");
        res.destroy();
        return;
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        // Unread body bytes would otherwise be parsed as the next request on a kept-alive socket.
        if (!req.complete) res.setHeader("connection", "close");
        sendError(res, err);
        return;
      }
      if (err instanceof UserError) {
        const status = NOT_FOUND_KEYS.has(err.key) ? 404 : 400;
        sendJson(res, status, { error: err.key.replace(/^errors\./, ""), message: translate("en", err.key, err.params) });
        return;
      }
      const traceId = randomUUID().slice(0, 8);
      services.log.error({ err, traceId, method: req.method, path: req.url?.split("?")[0] }, "HTTP handler failed");
      sendJson(res, 500, { error: "internal", message: `internal error; trace id ${traceId}`, traceId });
    });
  };
}
