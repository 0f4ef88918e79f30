import { Prisma, type PrismaClient, type Tx } from "../db/index.ts";
import { requestHashOf } from "../ledger/postEntries.ts";
import { splitDebit } from "../ledger/spending.ts";
import { DEFAULT_SPENDING_ORDER, emptyBalances, totalOf, type Actor, type Bucket, type BucketBalances } from "../ledger/types.ts";
import { entriesPosted, usageRecordsReceived } from "../metrics.ts";
import { afterBalanceChange, alertTransition, type AlertState } from "../notify/lowBalance.ts";
import type { IndexedRecord, RejectedRecord, UsageRecordInput } from "./usageRecord.ts";

export interface IngestOptions {
  spendingOrder?: readonly Bucket[];
  actor?: Actor;
  now?: () => Date;
}

export interface IngestResult {
  accepted: string[];
  duplicates: string[];
  rejected: RejectedRecord[];
  /** Ledger entries written (a debit spread over two buckets is two entries). */
  entries: number;
  /** Low-balance messages enqueued. */
  alerts: number;
}

export const USAGE_ACTOR: Actor = { type: "system", id: "usage-api" };

/** The ledger key of a usage record: the same record id is debited once, however often it is sent. */
export function usageKey(recordId: string): string {
  return `usage:${recordId}`;
}

function memoOf(record: UsageRecordInput): string {
  return `${record.model} ${record.endpoint}`.slice(0, 400);
}

/**
 * The posting hash a single `post()` of this record would store, so that a record posted by this
 * batch path and by the ledger's own path are recognised as the same request.
 */
export function usagePostingHash(record: UsageRecordInput, actor: Actor = USAGE_ACTOR): string {
  return requestHashOf({
    idempotencyKey: usageKey(record.id),
    lines: [{ accountId: record.accountId, type: "api_usage", amount: -record.cost }],
    actor,
    reference: record.id,
    memo: memoOf(record),
  });
}

function sameUsage(a: UsageRecordInput, b: { accountId: string; cost: bigint; model: string; endpoint: string }): boolean {
  return a.accountId === b.accountId && a.cost === b.cost && a.model === b.model && a.endpoint === b.endpoint;
}

function isUniqueViolation(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    if (err.code === "P2002") return true;
    const meta = err.meta as { code?: string; driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } } | undefined;
    if (meta?.code === "23505") return true;
    const cause = meta?.driverAdapterError?.cause;
    if (cause?.kind === "UniqueConstraintViolation" || cause?.originalCode === "23505") return true;
  }
  return /23505|unique constraint/i.test(err instanceof Error ? err.message : "");
}

/**
 * Debits a batch of usage records, each exactly once, as `api_usage` in the spending order.
 *
 * The ledger's `postEntries` writes one posting per transaction with a round trip per row; that
 * cannot reach the thousands of records per second a gateway sends. This is the same posting,
 * batched: one transaction locks every account of the batch in id order (the order postEntries
 * locks in, so the two never deadlock), skips the keys already posted with one query, and writes
 * postings, entries, usage rows and cached balances with one multi-row statement each. Balance
 * after, bucket balance after and the entry keys (`<key>#<n>`) are computed exactly as
 * postEntries computes them. The unique keys on postings and usage_records are the backstop for
 * a writer that slips past the locks (the same record id sent for two different accounts): the
 * transaction fails and the retry sees the other writer's rows.
 */
export async function ingestUsage(prisma: PrismaClient, records: IndexedRecord[], options: IngestOptions = {}): Promise<IngestResult> {
  const result: IngestResult = { accepted: [], duplicates: [], rejected: [], entries: 0, alerts: 0 };
  // A record id repeated inside one batch: the first one counts, the others are duplicates
  // (or conflicts when they differ in what they charge).
  const firstById = new Map<string, IndexedRecord>();
  const fresh: IndexedRecord[] = [];
  for (const item of records) {
    const first = firstById.get(item.record.id);
    if (!first) {
      firstById.set(item.record.id, item);
      fresh.push(item);
    } else if (sameUsage(item.record, first.record)) {
      result.duplicates.push(item.record.id);
    } else {
      result.rejected.push(conflict(item));
    }
  }

  if (fresh.length > 0) {
    for (let attempt = 0; ; attempt++) {
      try {
        const written = await prisma.$transaction((tx) => ingestInTransaction(tx, fresh, options), { maxWait: 30_000, timeout: 120_000 });
        result.accepted.push(...written.accepted);
        result.duplicates.push(...written.duplicates);
        result.rejected.push(...written.rejected);
        result.entries = written.entries;
        result.alerts = written.alerts;
        break;
      } catch (err) {
        if (attempt < 3 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  result.rejected.sort((a, b) => a.index - b.index);
  if (result.entries > 0) entriesPosted.inc({ type: "api_usage" }, result.entries);
  if (result.accepted.length > 0) usageRecordsReceived.inc({ outcome: "accepted" }, result.accepted.length);
  if (result.duplicates.length > 0) usageRecordsReceived.inc({ outcome: "duplicate" }, result.duplicates.length);
  if (result.rejected.length > 0) usageRecordsReceived.inc({ outcome: "rejected" }, result.rejected.length);
  return result;
}

function conflict(item: IndexedRecord): RejectedRecord {
  return {
    index: item.index,
    id: item.record.id,
    reason: "id_conflict",
    message: "this record id was already used for a different account, cost, model or endpoint",
  };
}

interface LockedAccount extends Record<string, unknown> {
  id: string;
  threshold: bigint | null;
  armed: boolean;
  locale: string;
}

interface PlannedEntry {
  key: string;
  accountId: string;
  bucket: Bucket;
  amount: bigint;
  balanceAfter: bigint;
  bucketBalanceAfter: bigint;
  entryKey: string;
  reference: string;
  memo: string;
}

async function ingestInTransaction(tx: Tx, records: IndexedRecord[], options: IngestOptions): Promise<IngestResult> {
  const result: IngestResult = { accepted: [], duplicates: [], rejected: [], entries: 0, alerts: 0 };
  const actor = options.actor ?? USAGE_ACTOR;
  const spendingOrder = options.spendingOrder ?? DEFAULT_SPENDING_ORDER;
  const accountIds = [...new Set(records.map((r) => r.record.accountId))].sort();

  // ORDER BY before FOR UPDATE: PostgreSQL locks rows as they leave the sort, in id order.
  const locked = await tx.$queryRawUnsafe<LockedAccount[]>(
    `SELECT "id"::text AS id, "lowBalanceThreshold" AS threshold, "lowBalanceArmed" AS armed, "locale"
     FROM "accounts" WHERE "id" = ANY($1::uuid[]) ORDER BY "id" FOR UPDATE`,
    accountIds,
  );
  const accounts = new Map(locked.map((a) => [a.id, a]));

  // Read after the locks: a concurrent batch with the same records has committed by now.
  const ids = records.map((r) => r.record.id);
  const keys = ids.map(usageKey);
  const usageRows = await tx.$queryRawUnsafe<{ recordId: string; accountId: string; cost: bigint; model: string; endpoint: string }[]>(
    `SELECT "recordId", "accountId"::text AS "accountId", "cost", "model", "endpoint" FROM "usage_records" WHERE "recordId" = ANY($1::text[])`,
    ids,
  );
  const postingRows = await tx.$queryRawUnsafe<{ key: string; hash: string }[]>(
    `SELECT "idempotencyKey" AS key, "requestHash" AS hash FROM "postings" WHERE "idempotencyKey" = ANY($1::text[])`,
    keys,
  );
  const usageSeen = new Map(usageRows.map((u) => [u.recordId, { ...u, cost: BigInt(u.cost) }]));
  const postingSeen = new Map(postingRows.map((p) => [p.key, p.hash]));

  const balanceRows = await tx.$queryRawUnsafe<{ accountId: string; bucket: Bucket; amount: bigint }[]>(
    `SELECT "accountId"::text AS "accountId", "bucket", "amount" FROM "balances" WHERE "accountId" = ANY($1::uuid[])`,
    [...accounts.keys()],
  );
  const balances = new Map<string, BucketBalances>();
  for (const id of accounts.keys()) balances.set(id, emptyBalances());
  for (const row of balanceRows) balances.get(row.accountId)![row.bucket] = BigInt(row.amount);
  const before = new Map([...balances].map(([id, b]) => [id, totalOf(b)]));

  const toWrite: IndexedRecord[] = [];
  const postings: { key: string; hash: string }[] = [];
  const entries: PlannedEntry[] = [];
  const touched = new Map<string, Set<Bucket>>();
  const lastRecordOf = new Map<string, string>();

  for (const item of records) {
    const { record } = item;
    const key = usageKey(record.id);
    const hash = usagePostingHash(record, actor);
    const seenUsage = usageSeen.get(record.id);
    const seenPosting = postingSeen.get(key);
    if (seenUsage || seenPosting !== undefined) {
      const same = seenUsage ? sameUsage(record, seenUsage) : seenPosting === hash;
      if (same) result.duplicates.push(record.id);
      else result.rejected.push(conflict(item));
      continue;
    }
    if (!accounts.has(record.accountId)) {
      result.rejected.push({ index: item.index, id: record.id, reason: "unknown_account", message: `no account ${record.accountId}` });
      continue;
    }
    toWrite.push(item);
    lastRecordOf.set(record.accountId, record.id);
    if (record.cost === 0n) continue;
    postings.push({ key, hash });
    const current = balances.get(record.accountId)!;
    const buckets = touched.get(record.accountId) ?? new Set<Bucket>();
    touched.set(record.accountId, buckets);
    splitDebit(record.cost, current, spendingOrder).forEach((part, n) => {
      current[part.bucket] += part.amount;
      buckets.add(part.bucket);
      entries.push({
        key,
        accountId: record.accountId,
        bucket: part.bucket,
        amount: part.amount,
        balanceAfter: totalOf(current),
        bucketBalanceAfter: current[part.bucket],
        entryKey: `${key}#${n}`,
        reference: record.id,
        memo: memoOf(record),
      });
    });
  }

  if (postings.length > 0) {
    const created = await tx.$queryRawUnsafe<{ id: bigint; key: string }[]>(
      `INSERT INTO "postings" ("idempotencyKey", "requestHash")
       SELECT k, h FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(k, h, n) ORDER BY n
       RETURNING "id", "idempotencyKey" AS key`,
      postings.map((p) => p.key),
      postings.map((p) => p.hash),
    );
    const postingIds = new Map(created.map((p) => [p.key, String(p.id)]));
    // Ids come from the sequence in ORDER BY n order, so an account's entries read back by id
    // replay its balance-after column in the order it was computed.
    await tx.$executeRawUnsafe(
      `INSERT INTO "ledger_entries" ("postingId", "accountId", "type", "bucket", "amount", "balanceAfter", "bucketBalanceAfter",
                                     "actorType", "actorId", "reference", "memo", "idempotencyKey")
       SELECT p, a, 'api_usage', b, amt, ba, bba, $8, $9, r, m, k
       FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $10::text[], $11::text[])
            WITH ORDINALITY AS t(p, a, b, amt, ba, bba, k, r, m, n)
       ORDER BY n`,
      entries.map((e) => postingIds.get(e.key)!),
      entries.map((e) => e.accountId),
      entries.map((e) => e.bucket),
      entries.map((e) => e.amount.toString()),
      entries.map((e) => e.balanceAfter.toString()),
      entries.map((e) => e.bucketBalanceAfter.toString()),
      entries.map((e) => e.entryKey),
      actor.type,
      actor.id ?? null,
      entries.map((e) => e.reference),
      entries.map((e) => e.memo),
    );
    const rows: { accountId: string; bucket: Bucket; amount: string }[] = [];
    for (const [accountId, buckets] of touched) {
      for (const bucket of buckets) rows.push({ accountId, bucket, amount: balances.get(accountId)![bucket].toString() });
    }
    await tx.$executeRawUnsafe(
      `INSERT INTO "balances" ("accountId", "bucket", "amount", "updatedAt")
       SELECT a, b, amt, now() FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS t(a, b, amt)
       ON CONFLICT ("accountId", "bucket") DO UPDATE SET "amount" = EXCLUDED."amount", "updatedAt" = EXCLUDED."updatedAt"`,
      rows.map((r) => r.accountId),
      rows.map((r) => r.bucket),
      rows.map((r) => r.amount),
    );
  }

  if (toWrite.length > 0) {
    const r = toWrite.map((i) => i.record);
    await tx.$executeRawUnsafe(
      `INSERT INTO "usage_records" ("recordId", "accountId", "model", "endpoint", "inputTokens", "outputTokens", "cachedTokens", "calls", "cost", "occurredAt")
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::int[], $9::bigint[], $10::timestamptz[])`,
      r.map((x) => x.id),
      r.map((x) => x.accountId),
      r.map((x) => x.model),
      r.map((x) => x.endpoint),
      r.map((x) => x.inputTokens),
      r.map((x) => x.outputTokens),
      r.map((x) => x.cachedTokens),
      r.map((x) => x.calls),
      r.map((x) => x.cost.toString()),
      r.map((x) => x.time.toISOString()),
    );
  }

  const now = options.now?.() ?? new Date();
  for (const [accountId, cause] of lastRecordOf) {
    const account = accounts.get(accountId)!;
    const state: AlertState = { threshold: account.threshold === null ? null : BigInt(account.threshold), armed: account.armed, locale: account.locale };
    const current = balances.get(accountId)!;
    const movement = { accountId, before: before.get(accountId)!, after: totalOf(current), balances: { ...current } };
    if (alertTransition(state, movement.before, movement.after) === "none") continue;
    const done = await afterBalanceChange(tx, movement, { state, cause: usageKey(cause), now });
    if (done === "notify") result.alerts++;
  }

  result.accepted = toWrite.map((i) => i.record.id);
  result.entries = entries.length;
  return result;
}
