import { createHash, randomUUID } from "node:crypto";
import { Prisma, type PrismaClient, type Tx } from "../db/index.ts";
import type { SqlDriver } from "../db/driver.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";
import { splitDebit } from "../ledger/spending.ts";
import { DEFAULT_SPENDING_ORDER, emptyBalances, totalOf, type Actor, type Bucket, type BucketBalances } from "../ledger/types.ts";
import { entriesPosted, usageRecordsReceived } from "../metrics.ts";
import type { AccountMovement } from "../ledger/postEntries.ts";
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
  /**
   * The database's own driver. When it runs transactions itself (PostgreSQL), a batch goes
   * straight through it, without Prisma's per-query cost; a batch that moves an account across
   * its low-balance threshold is done again through Prisma, whose transaction the alert joins.
   */
  driver?: SqlDriver;
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

function sameUsage(a: UsageRecordInput, b: { accountId: string; cost: bigint; model: string; endpoint: string }): boolean {
  return a.accountId === b.accountId && a.cost === b.cost && a.model === b.model && a.endpoint === b.endpoint;
}

/**
 * Debits a batch of usage records, each exactly once, as `api_usage` in the spending order.
 *
 * The ledger's `postEntries` writes one posting per transaction; that cannot keep up with the
 * thousands of records per second a gateway sends. This is the same debit, batched, in two round
 * trips: the first locks every account of the batch in id order (the order postEntries locks in,
 * so the two never deadlock) and reads their balances and the records already seen; the second
 * writes one posting for the batch, its entries, the usage rows and the cached balances in one
 * set-based statement. Balance after, bucket balance after and the spending-order split are
 * computed exactly as postEntries computes them. Every record has its own unique keys, its usage
 * row and its entries' `usage:<id>#<n>`: they are the backstop for a writer that slips past the
 * locks (the same record id sent for two different accounts), whose transaction then fails and
 * retries, and sees the other writer's rows.
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
  const direct = options.driver?.transaction?.bind(options.driver);
  for (let attempt = 0; ; attempt++) {
    try {
      if (direct) {
        try {
          return await direct((session) => ingestInTransaction((sql, params) => session.query(sql, params), null, records, options));
        } catch (err) {
          if (!(err instanceof AlertNeedsPrisma)) throw err;
        }
      }
      return await prisma.$transaction((tx) => ingestInTransaction((sql, params) => tx.$queryRawUnsafe(sql, ...params), tx, records, options), {
        maxWait: 30_000,
        timeout: 120_000,
      });
    } catch (err) {
      if (attempt < 3 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

/** Thrown (and the transaction rolled back) when a batch on the direct path needs a low-balance alert. */
class AlertNeedsPrisma extends Error {}

/** Runs one statement in the batch's transaction, whichever client holds it. */
type Query = <T extends Record<string, unknown>>(sql: string, params: unknown[]) => Promise<T[]>;

function conflict(item: IndexedRecord): RejectedRecord {
  return {
    index: item.index,
    id: item.record.id,
    reason: "id_conflict",
    message: "this record id was already used for a different account, cost, model or endpoint",
  };
}

/** What `usage_batch_lock_and_read` returns (see its migration): JSON arrays, one per row. */
interface BatchState {
  /** id, low-balance threshold (micro-USD as text, or null), armed, locale: the accounts now locked */
  accounts: [string, string | null, boolean, string][];
  /** account id, bucket, amount (micro-USD as text) */
  balances: [string, Bucket, string][];
  /** record id, account id, cost (text), model, endpoint: records of this batch already debited */
  seen: [string, string, string, string, string][];
}

/**
 * A PostgreSQL array literal. Elements are either values that need no quoting (UUIDs that passed
 * the schema's check, bucket names, integers, ISO times) or free text already `quoted`.
 */
function arrayLiteral(values: readonly (string | number)[]): string {
  return `{${values.join(",")}}`;
}

/** Free text as an element of an array literal: in double quotes, with `"` and `\\` escaped. */
function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * @param tx the Prisma transaction `query` runs in, which low-balance alerts join; null on the
 * direct path, where a batch that needs an alert throws AlertNeedsPrisma before writing anything.
 */
async function ingestInTransaction(query: Query, tx: Tx | null, records: IndexedRecord[], options: IngestOptions): Promise<IngestResult> {
  const result: IngestResult = { accepted: [], duplicates: [], rejected: [], entries: 0, alerts: 0 };
  const actor = options.actor ?? USAGE_ACTOR;
  const spendingOrder = options.spendingOrder ?? DEFAULT_SPENDING_ORDER;
  const accountIds = [...new Set(records.map((r) => r.record.accountId))].sort();

  // One round trip: the function locks the accounts in id order (the order postEntries locks
  // in), then reads, with a snapshot taken once the locks are ours, their alert settings and
  // balances and the records already seen. Account ids passed the UUID check, so they need no
  // quoting; record ids are free text.
  // The same statement turns sequential scans off for the rest of this transaction (set_config's
  // `true`): the batch reads and updates at most 1,000 keys of tables that only grow, which index
  // probes always do faster, but against a table of a few thousand rows the planner would rather
  // scan it whole, and a batch split over several transactions would scan it once each.
  const quotedIds = records.map((r) => quoted(r.record.id));
  const [row] = await query<{ state: string }>(
    `SELECT set_config('enable_seqscan', 'off', true) AS planner, "usage_batch_lock_and_read"($1::uuid[], $2::text[])::text AS state`,
    [
      arrayLiteral(accountIds),
      arrayLiteral(quotedIds),
    ],
  );
  const state = JSON.parse(row.state) as BatchState;

  const accounts = new Map<string, AlertState>();
  const balances = new Map<string, BucketBalances>();
  for (const [id, threshold, armed, locale] of state.accounts) {
    accounts.set(id, { threshold: threshold === null ? null : BigInt(threshold), armed, locale });
    balances.set(id, emptyBalances());
  }
  const stored = new Set<string>();
  for (const [accountId, bucket, amount] of state.balances) {
    balances.get(accountId)![bucket] = BigInt(amount);
    stored.add(`${accountId}/${bucket}`);
  }
  const seen = new Map(state.seen.map(([recordId, accountId, cost, model, endpoint]) => [recordId, { accountId, cost: BigInt(cost), model, endpoint }]));
  const before = new Map<string, bigint>();
  for (const [id, b] of balances) before.set(id, totalOf(b));

  // What to write, column by column, as PostgreSQL array literals (see `arrayLiteral`).
  const usage = { ids: [] as string[], accounts: [] as string[], models: [] as string[], endpoints: [] as string[], inputTokens: [] as number[], outputTokens: [] as number[], cachedTokens: [] as number[], calls: [] as number[], costs: [] as string[], times: [] as string[] };
  // An entry names its usage row (1-based, in the order of the usage columns) and its part of the
  // record's debit; the write takes account, reference, memo and key from the usage row.
  const entry = { rows: [] as number[], buckets: [] as string[], amounts: [] as string[], balancesAfter: [] as string[], bucketBalancesAfter: [] as string[], parts: [] as number[] };
  const touched = new Map<string, Set<Bucket>>();
  const lastRecordOf = new Map<string, string>();
  // Running totals, so each entry's balance after is one addition.
  const totals = new Map(before);
  // Models and endpoints repeat across a batch: quote each once.
  const quotedText = new Map<string, string>();
  const quotedOnce = (text: string) => {
    let q = quotedText.get(text);
    if (q === undefined) quotedText.set(text, (q = quoted(text)));
    return q;
  };

  for (let i = 0; i < records.length; i++) {
    const item = records[i];
    const { record } = item;
    const earlier = seen.get(record.id);
    if (earlier) {
      if (sameUsage(record, earlier)) result.duplicates.push(record.id);
      else result.rejected.push(conflict(item));
      continue;
    }
    const current = balances.get(record.accountId);
    if (!current) {
      result.rejected.push({ index: item.index, id: record.id, reason: "unknown_account", message: `no account ${record.accountId}` });
      continue;
    }
    result.accepted.push(record.id);
    const quotedId = quotedIds[i];
    usage.ids.push(quotedId);
    usage.accounts.push(record.accountId);
    usage.models.push(quotedOnce(record.model));
    usage.endpoints.push(quotedOnce(record.endpoint));
    usage.inputTokens.push(record.inputTokens);
    usage.outputTokens.push(record.outputTokens);
    usage.cachedTokens.push(record.cachedTokens);
    usage.calls.push(record.calls);
    usage.costs.push(record.cost.toString());
    usage.times.push(record.time.toISOString());
    lastRecordOf.set(record.accountId, record.id);
    if (record.cost === 0n) continue;
    let buckets = touched.get(record.accountId);
    if (!buckets) touched.set(record.accountId, (buckets = new Set()));
    const row = usage.ids.length;
    let total = totals.get(record.accountId)!;
    const parts = splitDebit(record.cost, current, spendingOrder);
    for (let n = 0; n < parts.length; n++) {
      const { bucket, amount } = parts[n];
      current[bucket] += amount;
      total += amount;
      buckets.add(bucket);
      entry.rows.push(row);
      entry.buckets.push(bucket);
      entry.amounts.push(amount.toString());
      entry.balancesAfter.push(total.toString());
      entry.bucketBalancesAfter.push(current[bucket].toString());
      entry.parts.push(n);
    }
    totals.set(record.accountId, total);
  }

  // Rows we read are updated in place, missing ones inserted: no speculative insert per row,
  // and the account locks keep anyone else from adding a row meanwhile.
  const updated = { accounts: [] as string[], buckets: [] as string[], amounts: [] as string[] };
  const inserted = { accounts: [] as string[], buckets: [] as string[], amounts: [] as string[] };
  for (const [accountId, buckets] of touched) {
    for (const bucket of buckets) {
      const target = stored.has(`${accountId}/${bucket}`) ? updated : inserted;
      target.accounts.push(accountId);
      target.buckets.push(bucket);
      target.amounts.push(balances.get(accountId)![bucket].toString());
    }
  }

  const alerting: (AccountMovement & { cause: string })[] = [];
  for (const [accountId, cause] of lastRecordOf) {
    const movement = { before: before.get(accountId)!, after: totals.get(accountId)! };
    if (alertTransition(accounts.get(accountId)!, movement.before, movement.after) === "none") continue;
    alerting.push({ accountId, cause, ...movement, balances: { ...balances.get(accountId)! } });
  }
  if (alerting.length > 0 && tx === null) throw new AlertNeedsPrisma();

  if (usage.ids.length > 0) {
    // One statement writes it all: one posting for the batch's entries, the entries, the cached
    // balances and the usage rows. Each record's own unique keys are its usage row and its
    // entries' `usage:<id>#<part>` (a posting's entry keys are `<key>#<n>`, as in postEntries).
    // An entry's memo is the call's model and endpoint. Entries take their ids from the sequence
    // in ORDER BY n order, so an account's entries read back by id replay its balance-after
    // column as computed here. Columns go as array literals: PostgreSQL reads them faster than
    // JSON.
    const entryColumns = [entry.rows, entry.buckets, entry.amounts, entry.balancesAfter, entry.bucketBalancesAfter, entry.parts].map(arrayLiteral);
    const usageColumns = [usage.ids, usage.accounts, usage.models, usage.endpoints, usage.inputTokens, usage.outputTokens, usage.cachedTokens, usage.calls, usage.costs, usage.times].map(arrayLiteral);
    const hash = createHash("sha256");
    for (const column of [...entryColumns, ...usageColumns]) hash.update(column);
    await query(
      `WITH usage_rows AS (
         SELECT * FROM unnest($18::text[], $19::uuid[], $20::text[], $21::text[], $22::int[], $23::int[], $24::int[], $25::int[], $26::bigint[], $27::timestamptz[])
                       WITH ORDINALITY AS u(id, a, m, e, it, ot, ct, c, cost, t, row)
       ), posting AS (
         INSERT INTO "postings" ("idempotencyKey", "requestHash")
         SELECT $1, $2 WHERE cardinality($6::int[]) > 0
         RETURNING "id"
       ), new_entries AS (
         INSERT INTO "ledger_entries" ("postingId", "accountId", "type", "bucket", "amount", "balanceAfter", "bucketBalanceAfter",
                                       "actorType", "actorId", "reference", "memo", "idempotencyKey")
         SELECT p."id", u.a, 'api_usage', e.b, e.amt, e.ba, e.bba, $3, $4, u.id, left(u.m || ' ' || u.e, 400), $5 || u.id || '#' || e.part
         FROM posting p
         CROSS JOIN unnest($6::int[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::int[]) WITH ORDINALITY AS e(row, b, amt, ba, bba, part, n)
         JOIN usage_rows u ON u.row = e.row
         ORDER BY e.n
       ), updated_balances AS (
         UPDATE "balances" SET "amount" = t.amt, "updatedAt" = now()
         FROM unnest($12::uuid[], $13::text[], $14::bigint[]) AS t(a, b, amt)
         WHERE "balances"."accountId" = t.a AND "balances"."bucket" = t.b
       ), inserted_balances AS (
         INSERT INTO "balances" ("accountId", "bucket", "amount", "updatedAt")
         SELECT a, b, amt, now() FROM unnest($15::uuid[], $16::text[], $17::bigint[]) AS t(a, b, amt)
       )
       INSERT INTO "usage_records" ("recordId", "accountId", "model", "endpoint", "inputTokens", "outputTokens", "cachedTokens", "calls", "cost", "occurredAt")
       SELECT id, a, m, e, it, ot, ct, c, cost, t FROM usage_rows`,
      [
        `usage-batch:${randomUUID()}`,
        hash.digest("hex"),
        actor.type,
        actor.id ?? null,
        usageKey(""),
        ...entryColumns,
        ...[updated.accounts, updated.buckets, updated.amounts, inserted.accounts, inserted.buckets, inserted.amounts].map(arrayLiteral),
        ...usageColumns,
      ],
    );
  }

  const now = options.now?.() ?? new Date();
  for (const { cause, ...movement } of alerting) {
    const done = await afterBalanceChange(tx!, movement, { state: accounts.get(movement.accountId)!, cause: usageKey(cause), now });
    if (done === "notify") result.alerts++;
  }

  result.entries = entry.amounts.length;
  return result;
}
