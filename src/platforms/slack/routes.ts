import type { IncomingMessage, ServerResponse } from "node:http";
import { HTTPModuleFunctions, type HTTPReceiver, type Logger as BoltLogger } from "@slack/bolt";
import { ackLatency } from "../../metrics.ts";

/**
 * What the web server serves for Slack, in a plain shape it mounts without the adapter knowing
 * the server (nothing here imports src/http).
 */
export interface SlackRoute {
  method: "GET" | "POST";
  /** A path, with `:name` segments. */
  path: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export const EVENTS_PATH = "/slack/events";

/**
 * POST /slack/events, served by Bolt's own HTTPReceiver through its public request listener:
 * signature and the 5-minute replay window, url_verification and ssl_check, the retry headers,
 * and the ack as the HTTP answer all stay Bolt's. The receiver never starts a server of its own.
 */
export function eventsRoute(receiver: HTTPReceiver, logger: BoltLogger): SlackRoute {
  return {
    method: "POST",
    path: EVENTS_PATH,
    handler(req, res) {
      timeAck(res);
      try {
        receiver.requestListener(req, res);
      } catch (error) {
        // What Bolt's own server does when its listener throws (a path it does not serve: 404).
        HTTPModuleFunctions.defaultDispatchErrorHandler({ error: error as Error, logger, request: req, response: res });
      }
    },
  };
}

/** Slack's requests are answered when Bolt acks, so the response's end is the ack: time it. */
function timeAck(res: ServerResponse): void {
  const started = process.hrtime.bigint();
  res.once("finish", () => {
    ackLatency.observe({ platform: "slack", kind: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
  });
}
