import { createHash } from "node:crypto";
import { Prisma, type PrismaClient, type Tx } from "../db/index.ts";
import type { Logger } from "../log.ts";
import { sleep } from "../lib/loop.ts";
import { enqueue } from "../notify/outbox.ts";
import { enqueueQuotaChanges } from "../gateway/enqueueQuotaChanges.ts";
import type { GatewaySettings } from "../gateway/settings.ts";
import { subscribersOf, type WebhookConfig } from "./config.ts";
import { EVENT, type WebhookEvent, type WebhookPayload } from "./events.ts";
import { asOutboxPayload } from "../notify/integrationPayload.ts";

/**
 * The event relay: webhooks and gateway quota changes are derived from what the domain has
 * already committed, never announced by it. Three sources are read in id order, each from a
 * cursor in relay_cursors:
 * - ledger entries (with their posting's idempotency key): ledger.entry for each entry,
 *   `topup.confirmed` for a `topup:<orderId>` posting, `refund.approved` for a posting with
 *   `refund` entries, and the gateway quota change of each posting that moves credit;
 * - the audit log: `topup.rejected` (topup.reject) and `order.expired` (topup.expire);
 * - the outbox: balance.low for each queued `low-balance:<account>:…` message.
 * The outbox rows for them are written in the transaction that moves the cursor, each under a
 * dedupe key naming its source row, so a crash before, during or after a round loses nothing and
 * queues nothing twice, and a success event exists only where its ledger posting does.
 *
 * Ids are handed out when a row is inserted, not when its transaction commits: id 41 may become
 * visible after id 42. So a round first takes a horizon (the largest visible id and the snapshot's
 * xmax, in one statement) and reads up to it only once every transaction that was running then
 * has ended (the current snapshot's xmin has passed that xmax). Writers of these tables take a
 * transaction id before they insert (the posting locks its accounts, the order is updated before
 * its audit row, the account before its alert), so none can hold an id below the horizon unseen.
 */
export interface RelayDeps {
  prisma: PrismaClient;
  webhooks: WebhookConfig;
  gateway: GatewaySettings | null;
  log?: Logger;
}

export type RelaySource = "ledger_entries" | "audit_log" | "outbox_messages";
export const RELAY_SOURCES: readonly RelaySource[] = ["ledger_entries", "audit_log", "outbox_messages"];

const BATCH = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The advisory lock class of the relay: one worker relays a source at a time, the others skip it. */
const RELAY_LOCK_CLASS = 17_017;

export interface RoundResult {
  /** Source rows turned into events or changes in this round. */
  handled: number;
  /** Rows past the cursor remain. */
  more: boolean;
  /** They are behind a horizon whose older transactions (in any database of the server) are still running. */
  waiting: boolean;
}

/** The delivery id of one endpoint's copy of one event: stable, so a retry or a replay carries the same one. */
export function deliveryIdOf(endpointId: string, eventId: string): string {
  const hex = createHash("sha256").update(`${endpointId}\n${eventId}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

async function emit(tx: Tx, deps: RelayDeps, event: WebhookEvent, eventId: string, occurredAt: Date, data: Record<string, unknown>): Promise<number> {
  const endpoints = subscribersOf(deps.webhooks, event);
  for (const endpoint of endpoints) {
    const payload: WebhookPayload = {
      eventId,
      deliveryId: deliveryIdOf(endpoint.id, eventId),
      event,
      endpointId: endpoint.id,
      occurredAt: occurredAt.toISOString(),
      data,
    };
    await enqueue(tx, {
      dedupeKey: `webhook:${endpoint.id}:${eventId}`,
      platform: "webhook",
      kind: "webhook",
      recipient: { type: "endpoint", endpointId: endpoint.id },
      payload: asOutboxPayload(payload),
    });
  }
  return endpoints.length;
}

interface EntryRow {
  id: bigint;
  postingId: bigint;
  accountId: string;
  type: string;
  bucket: string;
  amount: bigint;
  balanceAfter: bigint;
  actorType: string;
  actorId: string | null;
  reference: string | null;
  memo: string | null;
  createdAt: Date;
  postingKey: string;
}

const money = (v: bigint) => v.toString();

function wantsLedger(deps: RelayDeps): "all" | "credit" | "none" {
  if (subscribersOf(deps.webhooks, EVENT.ledgerEntry).length) return "all";
  if (deps.gateway || subscribersOf(deps.webhooks, EVENT.topupConfirmed).length || subscribersOf(deps.webhooks, EVENT.refundApproved).length) return "credit";
  return "none";
}

async function readLedger(tx: Tx, deps: RelayDeps, after: bigint, upTo: bigint): Promise<EntryRow[]> {
  // Usage is most of the ledger and none of the credit events: skipped unless ledger.entry is wanted.
  const onlyCredit = wantsLedger(deps) === "credit" ? Prisma.sql`AND e."type" <> 'api_usage'` : Prisma.empty;
  const rows = await tx.$queryRaw<EntryRow[]>`
    SELECT e."id", e."postingId", e."accountId"::text AS "accountId", e."type", e."bucket", e."amount", e."balanceAfter",
           e."actorType", e."actorId", e."reference", e."memo", e."createdAt", p."idempotencyKey" AS "postingKey"
    FROM "ledger_entries" e JOIN "postings" p ON p."id" = e."postingId"
    WHERE e."id" > ${after} AND e."id" <= ${upTo} ${onlyCredit}
    ORDER BY e."id" LIMIT ${BATCH}`;
  return rows.map((r) => ({ ...r, id: BigInt(r.id), postingId: BigInt(r.postingId), amount: BigInt(r.amount), balanceAfter: BigInt(r.balanceAfter) }));
}

async function handleLedger(tx: Tx, deps: RelayDeps, rows: EntryRow[]): Promise<number> {
  const postings = new Map<bigint, EntryRow[]>();
  const postingOf = async (row: EntryRow) => {
    let lines = postings.get(row.postingId);
    if (!lines) {
      // The whole posting, even where the batch cut it: a top-up's bonus entry may fall in the next batch.
      lines = await tx.$queryRaw<EntryRow[]>`
        SELECT "id", "postingId", "accountId"::text AS "accountId", "type", "bucket", "amount", "balanceAfter",
               "actorType", "actorId", "reference", "memo", "createdAt", ${row.postingKey} AS "postingKey"
        FROM "ledger_entries" WHERE "postingId" = ${row.postingId} ORDER BY "id"`;
      lines = lines.map((l) => ({ ...l, amount: BigInt(l.amount), balanceAfter: BigInt(l.balanceAfter) }));
      postings.set(row.postingId, lines);
    }
    return lines;
  };
  const sum = (lines: EntryRow[], type: string) => lines.filter((l) => l.type === type).reduce((s, l) => s + l.amount, 0n);
  let handled = 0;
  for (const row of rows) {
    handled += await emit(tx, deps, EVENT.ledgerEntry, `ledger.entry:${row.id}`, row.createdAt, {
      entryId: row.id.toString(),
      postingId: row.postingId.toString(),
      postingKey: row.postingKey,
      accountId: row.accountId,
      type: row.type,
      bucket: row.bucket,
      amount: money(row.amount),
      balanceAfter: money(row.balanceAfter),
      actor: { type: row.actorType, id: row.actorId },
      reference: row.reference,
      memo: row.memo,
    });
    if (row.type === "usdt_topup" && row.postingKey.startsWith("topup:")) {
      const lines = await postingOf(row);
      const principal = sum(lines, "usdt_topup");
      const bonus = sum(lines, "topup_bonus");
      const orderId = row.postingKey.slice("topup:".length);
      // A failed query would abort the round's transaction: only a UUID is looked up.
      const order = UUID.test(orderId) ? await tx.topupOrder.findUnique({ where: { id: orderId }, select: { orderNo: true, methodId: true } }) : null;
      handled += await emit(tx, deps, EVENT.topupConfirmed, `topup.confirmed:posting:${row.postingId}`, row.createdAt, {
        orderId,
        orderNo: order?.orderNo ?? row.reference,
        accountId: row.accountId,
        method: order?.methodId ?? null,
        principal: money(principal),
        bonus: money(bonus),
        credited: money(principal + bonus),
        postingId: row.postingId.toString(),
      });
    }
    if (row.type === "refund") {
      const lines = await postingOf(row);
      handled += await emit(tx, deps, EVENT.refundApproved, `refund.approved:posting:${row.postingId}`, row.createdAt, {
        refundId: row.postingKey.startsWith("refund:") ? row.postingKey.slice("refund:".length) : null,
        accountId: row.accountId,
        postingKey: row.postingKey,
        postingId: row.postingId.toString(),
        refunded: money(-sum(lines, "refund")),
        bonusReversed: money(-sum(lines, "bonus_reversal")),
        reference: row.reference,
        memo: row.memo,
      });
    }
    if (deps.gateway && deps.gateway.entryTypes.has(row.type as never)) {
      const lines = await postingOf(row);
      handled += await enqueueQuotaChanges(tx, deps.gateway, row.postingId, lines);
    }
  }
  return handled;
}

interface AuditRow {
  id: bigint;
  action: string;
  orderId: string | null;
  accountId: string | null;
  actorType: string;
  actorId: string | null;
  detail: unknown;
  createdAt: Date;
}

async function readAudit(tx: Tx, after: bigint, upTo: bigint): Promise<AuditRow[]> {
  const rows = await tx.$queryRaw<AuditRow[]>`
    SELECT "id", "action", "orderId"::text AS "orderId", "accountId"::text AS "accountId", "actorType", "actorId", "detail", "createdAt"
    FROM "audit_log"
    WHERE "id" > ${after} AND "id" <= ${upTo} AND "outcome" = 'ok' AND "action" IN ('topup.reject', 'topup.expire')
    ORDER BY "id" LIMIT ${BATCH}`;
  return rows.map((r) => ({ ...r, id: BigInt(r.id), detail: typeof r.detail === "string" ? JSON.parse(r.detail) : r.detail }));
}

async function handleAudit(tx: Tx, deps: RelayDeps, rows: AuditRow[]): Promise<number> {
  let handled = 0;
  for (const row of rows) {
    if (!row.orderId) continue;
    const order = await tx.topupOrder.findUnique({
      where: { id: row.orderId },
      select: { orderNo: true, accountId: true, methodId: true, requestedAmount: true, instructedAmount: true },
    });
    const base = {
      orderId: row.orderId,
      orderNo: order?.orderNo ?? null,
      accountId: row.accountId ?? order?.accountId ?? null,
      method: order?.methodId ?? null,
      requested: order ? money(order.requestedAmount) : null,
    };
    if (row.action === "topup.reject") {
      const detail = (row.detail ?? {}) as { reason?: string; note?: string | null };
      handled += await emit(tx, deps, EVENT.topupRejected, `topup.rejected:audit:${row.id}`, row.createdAt, {
        ...base,
        reason: detail.reason ?? null,
        note: detail.note ?? null,
        decidedBy: { type: row.actorType, id: row.actorId },
      });
    } else {
      handled += await emit(tx, deps, EVENT.orderExpired, `order.expired:audit:${row.id}`, row.createdAt, { ...base, instructed: order ? money(order.instructedAmount) : null });
    }
  }
  return handled;
}

interface AlertRow {
  id: bigint;
  dedupeKey: string;
  payload: unknown;
  createdAt: Date;
}

async function readAlerts(tx: Tx, after: bigint, upTo: bigint): Promise<AlertRow[]> {
  const rows = await tx.$queryRaw<AlertRow[]>`
    SELECT "id", "dedupeKey", "payload", "createdAt" FROM "outbox_messages"
    WHERE "id" > ${after} AND "id" <= ${upTo} AND "dedupeKey" LIKE 'low-balance:%'
    ORDER BY "id" LIMIT ${BATCH}`;
  return rows.map((r) => ({ ...r, id: BigInt(r.id), payload: typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload }));
}

async function handleAlerts(tx: Tx, deps: RelayDeps, rows: AlertRow[]): Promise<number> {
  let handled = 0;
  for (const row of rows) {
    // low-balance:<accountId>:<cause>
    const [, accountId, ...cause] = row.dedupeKey.split(":");
    const payload = (row.payload ?? {}) as { balance?: string; threshold?: string; spent24h?: string };
    handled += await emit(tx, deps, EVENT.balanceLow, `balance.low:outbox:${row.id}`, row.createdAt, {
      accountId,
      cause: cause.join(":"),
      balance: payload.balance ?? null,
      threshold: payload.threshold ?? null,
      spent24h: payload.spent24h ?? null,
    });
  }
  return handled;
}

function wanted(deps: RelayDeps, source: RelaySource): boolean {
  if (source === "ledger_entries") return wantsLedger(deps) !== "none";
  if (source === "audit_log") return subscribersOf(deps.webhooks, EVENT.topupRejected).length + subscribersOf(deps.webhooks, EVENT.orderExpired).length > 0;
  return subscribersOf(deps.webhooks, EVENT.balanceLow).length > 0;
}

async function readAndHandle(tx: Tx, deps: RelayDeps, source: RelaySource, after: bigint, upTo: bigint): Promise<{ handled: number; lastId: bigint | null; full: boolean }> {
  if (!wanted(deps, source)) return { handled: 0, lastId: null, full: false };
  let rows: { id: bigint }[];
  let handled: number;
  if (source === "ledger_entries") {
    const read = await readLedger(tx, deps, after, upTo);
    handled = await handleLedger(tx, deps, read);
    rows = read;
  } else if (source === "audit_log") {
    const read = await readAudit(tx, after, upTo);
    handled = await handleAudit(tx, deps, read);
    rows = read;
  } else {
    const read = await readAlerts(tx, after, upTo);
    handled = await handleAlerts(tx, deps, read);
    rows = read;
  }
  return { handled, lastId: rows.at(-1)?.id ?? null, full: rows.length === BATCH };
}

/** One round on one source: read what is settled past the cursor, queue what it means, move the cursor; all in one transaction. */
export async function relayRound(deps: RelayDeps, source: RelaySource): Promise<RoundResult> {
  return deps.prisma.$transaction(async (tx) => {
    const [lock] = await tx.$queryRaw<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${RELAY_LOCK_CLASS}::int, hashtext(${source})) AS ok`;
    if (!lock.ok) return { handled: 0, more: false, waiting: false };
    const [snapshot] = await tx.$queryRaw<{ xmin: string }[]>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`;
    const cursor =
      (await tx.relayCursor.findUnique({ where: { source } })) ??
      (await tx.relayCursor.create({ data: { source, position: 0n } }));
    let { position, horizonId, horizonXmax } = cursor;
    let handled = 0;
    let full = false;
    const settled = horizonId !== null && horizonXmax !== null && BigInt(snapshot.xmin) >= horizonXmax;
    if (settled && horizonId !== null) {
      const round = await readAndHandle(tx, deps, source, position, horizonId);
      handled = round.handled;
      full = round.full;
      position = round.full && round.lastId !== null ? round.lastId : horizonId;
      if (position >= horizonId) {
        horizonId = null;
        horizonXmax = null;
      }
    }
    const waiting = horizonId !== null && !settled;
    if (horizonId === null) {
      // One statement, so the largest id and the xmax come from the same snapshot.
      const [horizon] = await tx.$queryRaw<{ maxId: bigint | null; xmax: string }[]>(
        Prisma.sql`SELECT (SELECT max("id") FROM ${Prisma.raw(`"${source}"`)}) AS "maxId", pg_snapshot_xmax(pg_current_snapshot())::text AS "xmax"`,
      );
      if (horizon.maxId !== null && BigInt(horizon.maxId) > position) {
        horizonId = BigInt(horizon.maxId);
        horizonXmax = BigInt(horizon.xmax);
      }
    }
    await tx.relayCursor.update({ where: { source }, data: { position, horizonId, horizonXmax, updatedAt: new Date() } });
    return { handled, more: full || horizonId !== null, waiting };
  });
}

/**
 * Runs rounds on every source until what was committed before the call is relayed. A horizon
 * waits for transactions anywhere on the server (transaction ids are server-wide), so this polls
 * for at most `settleMs`; the worker's loop passes 0 and lets its next poll pick up the rest.
 */
export async function relayOnce(deps: RelayDeps, options: { settleMs?: number; maxRounds?: number } = {}): Promise<number> {
  const deadline = Date.now() + (options.settleMs ?? 10_000);
  const maxRounds = options.maxRounds ?? 10_000;
  let handled = 0;
  for (const source of RELAY_SOURCES) {
    for (let i = 0; i < maxRounds; i++) {
      const round = await relayRound(deps, source);
      handled += round.handled;
      if (!round.more) break;
      if (round.waiting) {
        if (Date.now() >= deadline) break;
        await sleep(10);
      }
    }
  }
  return handled;
}

/** The relay loop of the worker. */
export async function runRelay(deps: RelayDeps & { pollMs: number; signal: AbortSignal }): Promise<void> {
  while (!deps.signal.aborted) {
    try {
      await relayOnce(deps, { settleMs: 0, maxRounds: 20 });
    } catch (err) {
      deps.log?.error({ err }, "event relay round failed");
    }
    await sleep(deps.pollMs, deps.signal);
  }
}
