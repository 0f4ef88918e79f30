import { HttpError, readJson, sendJson } from "./io.ts";
import type { RouteHandler } from "./guard.ts";
import type { Services } from "../services.ts";
import { ingestUsage } from "../usage/ingestUsage.ts";
import { parseUsageBatchInSlices, UsageBatchError } from "../usage/usageRecord.ts";

/** 1,000 records with 200-character ids, models and endpoints stay under this. */
export const USAGE_BODY_LIMIT = 2 * 1024 * 1024;

/**
 * POST /api/v1/usage: {"records": [...]}. Answers 200 with what became of each record:
 * `accepted` (debited now), `duplicates` (debited before) and `rejected` (with reasons).
 */
export function usageRoute(services: Services): RouteHandler {
  return async (req, res) => {
    let parsed;
    try {
      // The request's JSON is not kept past this line: only the checked records go on.
      parsed = await parseUsageBatchInSlices(await readJson(req, USAGE_BODY_LIMIT), { now: services.now() });
    } catch (err) {
      if (err instanceof UsageBatchError) throw new HttpError(err.status, "invalid_batch", err.message);
      throw err;
    }
    const result = await ingestUsage(services.prisma, parsed.valid, {
      spendingOrder: services.env.SPENDING_ORDER,
      now: services.now,
      parallel: services.db.kind === "postgres" ? services.env.USAGE_INGEST_PARALLEL : 1,
      driver: services.db.driver,
    });
    const rejected = [...parsed.rejected, ...result.rejected].sort((a, b) => a.index - b.index);
    sendJson(res, 200, {
      accepted: result.accepted,
      duplicates: result.duplicates,
      rejected,
      counts: { accepted: result.accepted.length, duplicates: result.duplicates.length, rejected: rejected.length },
    });
  };
}
