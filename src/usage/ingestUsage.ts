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
  /**
   * Transactions writing one batch at once, each on its own connection (PostgreSQL only; PGlite
   * has one connection). Records of one account always go to the same transaction.
   */
  parallel?: number;
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
 * postings, entries, usage rows and cached balances in one set-based statement. Balance
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

  const chunks = chunkByAccount(fresh, Math.max(1, options.parallel ?? 1));
  const written = await Promise.all(chunks.map((chunk) => ingestChunk(prisma, chunk, options)));
  for (const part of written) {
    result.accepted.push(...part.accepted);
    result.duplicates.push(...part.duplicates);
    result.rejected.push(...part.rejected);
    result.entries += part.entries;
    result.alerts += part.alerts;
  }

  const position = new Map(fresh.map((item) => [item.record.id, item.index]));
  const byPosition = (a: string, b: string) => position.get(a)! - position.get(b)!;
  result.accepted.sort(byPosition);
  result.duplicates.sort(byPosition);
  result.rejected.sort((a, b) => a.index - b.index);
  if (result.entries > 0) entriesPosted.inc({ type: "api_usage" }, result.entries);
  if (result.accepted.length > 0) usageRecordsReceived.inc({ outcome: "accepted" }, result.accepted.length);
  if (result.duplicates.length > 0) usageRecordsReceived.inc({ outcome: "duplicate" }, result.duplicates.length);
  if (result.rejected.length > 0) usageRecordsReceived.inc({ outcome: "rejected" }, result.rejected.length);
  return result;
}

/**
 * Splits a batch into `parts` groups of whole accounts (contiguous in id order), each written by
 * its own transaction on its own connection. Every transaction locks its accounts in ascending
 * id order, so however the groups of concurrent batches overlap, no two can wait on each other
 * in a cycle.
 */
function chunkByAccount(records: IndexedRecord[], parts: number): IndexedRecord[][] {
  if (records.length === 0) return [];
  const byAccount = new Map<string, IndexedRecord[]>();
  for (const item of records) {
    const list = byAccount.get(item.record.accountId);
    if (list) list.push(item);
    else byAccount.set(item.record.accountId, [item]);
  }
  const accounts = [...byAccount.keys()].sort();
  const target = Math.ceil(records.length / Math.min(parts, accounts.length));
  const chunks: IndexedRecord[][] = [[]];
  for (const account of accounts) {
    if (chunks.at(-1)!.length >= target) chunks.push([]);
    chunks.at(-1)!.push(...byAccount.get(account)!);
  }
  // Within a chunk, records keep the order they were sent in: that is the order they are debited.
  for (const chunk of chunks) chunk.sort((a, b) => a.index - b.index);
  return chunks;
}

async function ingestChunk(prisma: PrismaClient, records: IndexedRecord[], options: IngestOptions): Promise<IngestResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await prisma.$transaction((tx) => ingestInTransaction(tx, records, options), { maxWait: 30_000, timeout: 120_000 });
    } catch (err) {
      if (attempt < 3 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
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

interface KnownState {
  usage: { recordId: string; accountId: string; cost: string; model: string; endpoint: string }[] | null;
  postings: { key: string; hash: string }[] | null;
  /** Three parallel columns (account, bucket, amount): cheaper to build than an object per row. */
  balances: [string[] | null, Bucket[] | null, string[] | null] | null;
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

  // One statement after the locks, so its snapshot includes whatever a concurrent batch on the
  // same accounts committed while we waited (joining balances into the locking query would not:
  // a re-checked locked row keeps the joined rows it first saw).
  const ids = records.map((r) => r.record.id);
  const [known] = await tx.$queryRawUnsafe<KnownState[]>(
    `SELECT
       (SELECT json_agg(json_build_object('recordId', "recordId", 'accountId', "accountId", 'cost', "cost"::text, 'model', "model", 'endpoint', "endpoint"))
          FROM "usage_records" WHERE "recordId" = ANY($1::text[])) AS usage,
       (SELECT json_agg(json_build_object('key', "idempotencyKey", 'hash', "requestHash"))
          FROM "postings" WHERE "idempotencyKey" = ANY($2::text[])) AS postings,
       (SELECT ARRAY[array_agg("accountId"::text), array_agg("bucket"), array_agg("amount"::text)]
          FROM "balances" WHERE "accountId" = ANY($3::uuid[])) AS balances`,
    ids,
    ids.map(usageKey),
    [...accounts.keys()],
  );
  const parse = <T>(value: T | string | null): T | null => (typeof value === "string" ? (JSON.parse(value) as T) : value);
  const usageSeen = new Map((parse(known.usage) ?? []).map((u) => [u.recordId, { ...u, cost: BigInt(u.cost) }]));
  const postingSeen = new Map((parse(known.postings) ?? []).map((p) => [p.key, p.hash]));

  const balances = new Map<string, BucketBalances>();
  for (const id of accounts.keys()) balances.set(id, emptyBalances());
  const [balanceAccounts, balanceBuckets, balanceAmounts] = known.balances ?? [null, null, null];
  const stored = new Set<string>();
  (balanceAccounts ?? []).forEach((accountId, i) => {
    balances.get(accountId)![balanceBuckets![i]] = BigInt(balanceAmounts![i]);
    stored.add(`${accountId}/${balanceBuckets![i]}`);
  });
  const before = new Map([...balances].map(([id, b]) => [id, totalOf(b)]));

  const toWrite: UsageRecordInput[] = [];
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
    toWrite.push(record);
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

  // Rows we read are updated in place, missing ones inserted: no speculative insert per row,
  // and the account locks keep anyone else from adding a row meanwhile.
  const balanceRows: { accountId: string; bucket: Bucket; amount: string; stored: boolean }[] = [];
  for (const [accountId, buckets] of touched) {
    for (const bucket of buckets) {
      balanceRows.push({ accountId, bucket, amount: balances.get(accountId)![bucket].toString(), stored: stored.has(`${accountId}/${bucket}`) });
    }
  }
  const updated = balanceRows.filter((r) => r.stored);
  const inserted = balanceRows.filter((r) => !r.stored);

  if (toWrite.length > 0) {
    // One statement writes it all. Entries take their ids from the sequence in ORDER BY n order,
    // so an account's entries read back by id replay its balance-after column as computed here.
    // The foreign keys of the entries on the new postings are checked at the end of the
    // statement, when the postings are there.
    await tx.$executeRawUnsafe(
      `WITH new_postings AS (
         INSERT INTO "postings" ("idempotencyKey", "requestHash")
         SELECT k, h FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(k, h, n) ORDER BY n
         RETURNING "id", "idempotencyKey"
       ), new_entries AS (
         INSERT INTO "ledger_entries" ("postingId", "accountId", "type", "bucket", "amount", "balanceAfter", "bucketBalanceAfter",
                                       "actorType", "actorId", "reference", "memo", "idempotencyKey")
         SELECT p."id", e.a, 'api_usage', e.b, e.amt, e.ba, e.bba, $11, $12, e.r, e.m, e.k
         FROM unnest($3::text[], $4::uuid[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $13::text[])
              WITH ORDINALITY AS e(pk, a, b, amt, ba, bba, k, r, m, n)
         JOIN new_postings p ON p."idempotencyKey" = e.pk
         ORDER BY e.n
         RETURNING 1
       ), updated_balances AS (
         UPDATE "balances" SET "amount" = t.amt, "updatedAt" = now()
         FROM unnest($14::uuid[], $15::text[], $16::bigint[]) AS t(a, b, amt)
         WHERE "balances"."accountId" = t.a AND "balances"."bucket" = t.b
         RETURNING 1
       ), inserted_balances AS (
         INSERT INTO "balances" ("accountId", "bucket", "amount", "updatedAt")
         SELECT a, b, amt, now() FROM unnest($27::uuid[], $28::text[], $29::bigint[]) AS t(a, b, amt)
         RETURNING 1
       )
       INSERT INTO "usage_records" ("recordId", "accountId", "model", "endpoint", "inputTokens", "outputTokens", "cachedTokens", "calls", "cost", "occurredAt")
       SELECT * FROM unnest($17::text[], $18::uuid[], $19::text[], $20::text[], $21::int[], $22::int[], $23::int[], $24::int[], $25::bigint[], $26::timestamptz[])`,
      postings.map((p) => p.key),
      postings.map((p) => p.hash),
      entries.map((e) => e.key),
      entries.map((e) => e.accountId),
      entries.map((e) => e.bucket),
      entries.map((e) => e.amount.toString()),
      entries.map((e) => e.balanceAfter.toString()),
      entries.map((e) => e.bucketBalanceAfter.toString()),
      entries.map((e) => e.entryKey),
      entries.map((e) => e.reference),
      actor.type,
      actor.id ?? null,
      entries.map((e) => e.memo),
      updated.map((r) => r.accountId),
      updated.map((r) => r.bucket),
      updated.map((r) => r.amount),
      toWrite.map((x) => x.id),
      toWrite.map((x) => x.accountId),
      toWrite.map((x) => x.model),
      toWrite.map((x) => x.endpoint),
      toWrite.map((x) => x.inputTokens),
      toWrite.map((x) => x.outputTokens),
      toWrite.map((x) => x.cachedTokens),
      toWrite.map((x) => x.calls),
      toWrite.map((x) => x.cost.toString()),
      toWrite.map((x) => x.time.toISOString()),
      inserted.map((r) => r.accountId),
      inserted.map((r) => r.bucket),
      inserted.map((r) => r.amount),
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

  result.accepted = toWrite.map((r) => r.id);
  result.entries = entries.length;
  return result;
}
