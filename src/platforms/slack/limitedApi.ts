import type { Limiters } from "../../limits/index.ts";
import type { SlackApi } from "./webApi.ts";

/**
 * Puts the deployment-wide limits in front of the Slack adapter's own per-process limiters: with
 * REDIS_URL set, every worker replica draws from the same budget per method (and per channel
 * for chat.postMessage and chat.update), so N replicas do not send N times Slack's rate.
 */
export function limitSlackApi(api: SlackApi, limiters: Limiters): SlackApi {
  return {
    client: api.client,
    stop: () => api.stop(),
    call(method, args) {
      const channel = typeof args.channel === "string" ? args.channel : undefined;
      return limiters.schedule("slack", method, () => api.call(method, args), channel);
    },
  };
}
