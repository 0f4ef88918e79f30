import type { PrismaClient } from "../db/index.ts";
import type { SqlDriver } from "../db/driver.ts";
import type { Bucket } from "../ledger/types.ts";
import type { Logger } from "../log.ts";
import { ingestUsage } from "../usage/ingestUsage.ts";
import { MAX_USAGE_BATCH, usageRecordChecker, type IndexedRecord } from "../usage/usageRecord.ts";
import type { GatewayClient, ConsumeLog } from "./client.ts";
import { quotaToMicros } from "./quota.ts";
import type { GatewaySettings } from "./settings.ts";

export const LOG_CURSOR = "gateway_logs";
/** Logs are read again this far back: a log row is stamped just before it is written, and a slow write lands behind the cursor. */
const OVERLAP_SECONDS = 60;
/** The newest seconds are left for the next round, for the same reason. */
const LAG_SECONDS = 5;
/** How much time one round reads at most. */
const WINDOW_SECONDS = 600;
const PAGE_SIZE = 100;
/** Where the first pull starts: history from before the connector was switched on is not debited. */
const FIRST_PULL_BACK_SECONDS = 300;

export const recordIdOf = (log: Pick<ConsumeLog, "id">) => `gateway-log:${log.id}`;

export interface PullDeps {
  prisma: PrismaClient;
  client: GatewayClient;
  settings: GatewaySettings;
  now: () => Date;
  driver?: SqlDriver;
  spendingOrder?: readonly Bucket[];
  log?: Logger;
}

export interface PullResult {
  accepted: number;
  duplicates: number;
  /** Logs of users no account is linked to, logs of no cost, and logs the usage checks refused. */
  skipped: number;
}

/**
 * The usage feed for a gateway that cannot push to POST /api/v1/usage: its consumption logs,
 * pulled a time window at a time from a cursor in the database, and debited through the usage
 * ingestion with the log's id as the record id, so a log read twice (the overlap, a crash before
 * the cursor moved, two workers) is debited once.
 */
export async function pullConsumeLogs(deps: PullDeps): Promise<PullResult> {
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);
  const cursor = await deps.prisma.relayCursor.findUnique({ where: { source: LOG_CURSOR } });
  const from = cursor ? Number(cursor.position) : nowSeconds - FIRST_PULL_BACK_SECONDS;
  const start = from - OVERLAP_SECONDS;
  const end = Math.min(nowSeconds - LAG_SECONDS, from + WINDOW_SECONDS);
  const result: PullResult = { accepted: 0, duplicates: 0, skipped: 0 };
  if (end < from) return result;

  const logs: ConsumeLog[] = [];
  for (let page = 0; ; page++) {
    const { logs: found, more } = await deps.client.consumeLogs({ start, end, page, pageSize: PAGE_SIZE });
    logs.push(...found);
    if (!more) break;
  }
  logs.sort((a, b) => a.id - b.id);

  const links = await deps.prisma.gatewayLink.findMany({ where: { gatewayUserId: { in: [...new Set(logs.map((l) => l.userId))] } } });
  const accountOf = new Map(links.map((l) => [l.gatewayUserId, l.accountId]));
  const check = usageRecordChecker(deps.now());
  const records: IndexedRecord[] = [];
  for (const log of logs) {
    const accountId = accountOf.get(log.userId);
    if (!accountId || log.quota <= 0n) {
      result.skipped++;
      continue;
    }
    const parsed = check({
      id: recordIdOf(log),
      accountId,
      model: log.modelName || "unknown",
      endpoint: "gateway",
      inputTokens: log.promptTokens,
      outputTokens: log.completionTokens,
      calls: 1,
      cost: quotaToMicros(log.quota, deps.settings.quotaPerUsd).toString(),
      time: new Date(log.createdAt * 1000).toISOString(),
    });
    if (!parsed.success) {
      deps.log?.warn({ log: log.id, problems: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) }, "gateway consumption log not debited");
      result.skipped++;
      continue;
    }
    records.push({ index: records.length, record: parsed.data });
  }
  for (let i = 0; i < records.length; i += MAX_USAGE_BATCH) {
    const batch = records.slice(i, i + MAX_USAGE_BATCH);
    const ingested = await ingestUsage(deps.prisma, batch, { driver: deps.driver, spendingOrder: deps.spendingOrder, now: deps.now, actor: { type: "system", id: "gateway-logs" } });
    result.accepted += ingested.accepted.length;
    result.duplicates += ingested.duplicates.length;
    result.skipped += ingested.rejected.length;
    for (const rejected of ingested.rejected) deps.log?.warn({ record: rejected.id, reason: rejected.reason }, "gateway consumption log refused by the usage ingestion");
  }
  // Moved only once every log of the window is debited: a crash before this reads the window again.
  await deps.prisma.relayCursor.upsert({
    where: { source: LOG_CURSOR },
    create: { source: LOG_CURSOR, position: BigInt(end + 1) },
    update: { position: BigInt(end + 1), updatedAt: new Date() },
  });
  return result;
}
