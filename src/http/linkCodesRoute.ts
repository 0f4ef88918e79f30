import { z } from "zod";
import { issueLinkCode, LINK_CODE_MAX_TTL_MINUTES } from "../accounts/linkCodes.ts";
import type { Services } from "../services.ts";
import type { RouteHandler } from "./guard.ts";
import { HttpError, readJson, sendJson } from "./io.ts";

/** An {accountId, ttlMinutes?} object is far smaller; anything larger is refused unread. */
export const LINK_CODE_BODY_LIMIT = 16 * 1024;

/** The body of POST /api/v1/link-codes; the OpenAPI description is generated from it. */
export const linkCodeRequestSchema = z.object({
  accountId: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "a UUID"),
  ttlMinutes: z.number().int("a whole number").min(1).max(LINK_CODE_MAX_TTL_MINUTES).optional(),
});

/** POST /api/v1/link-codes {accountId, ttlMinutes?}: a one-time code the customer redeems with `link`. */
export function linkCodesRoute(services: Services): RouteHandler {
  return async (req, res) => {
    const parsed = linkCodeRequestSchema.safeParse(await readJson(req, LINK_CODE_BODY_LIMIT));
    if (!parsed.success) {
      const fields = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join(".") || "body", i.message]));
      throw new HttpError(400, "invalid_body", "the body does not match {accountId, ttlMinutes?}", { fields });
    }
    const issued = await issueLinkCode(services.prisma, { ...parsed.data, now: services.now() });
    services.log.info({ accountId: issued.accountId, expiresAt: issued.expiresAt }, "link code issued");
    sendJson(res, 201, { code: issued.code, accountId: issued.accountId, expiresAt: issued.expiresAt.toISOString() });
  };
}
