import { randomUUID } from "node:crypto";
import { UserError } from "../errors.ts";
import { translator, type Locale } from "../i18n.ts";
import type { Logger } from "../log.ts";
import type { Reply } from "../reply.ts";

/**
 * What every surface answers when something broke on our side: nothing was changed, and here is a
 * trace id to give support. The error is logged once, under that id, with what the surface knows.
 */
export function internalErrorReply(log: Logger, err: unknown, locale: Locale, context: Record<string, unknown> = {}): Reply {
  const traceId = randomUUID().slice(0, 8);
  log.error({ err, traceId, ...context }, "request failed");
  const error = new UserError("errors.internal", { traceId });
  const text = translator(locale)(error.key, error.params);
  return { blocks: [{ type: "text", text: `⚠️ ${text}` }], private: true, summary: text, error: true };
}
