import { createHash, randomUUID } from "node:crypto";
import { setImmediate } from "node:timers/promises";
import type { PrismaClient, Tx } from "../db/index.ts";
import type { SqlDriver } from "../db/driver.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";
import type { AccountMovement } from "./postEntries.ts";
import { splitDebit } from "./spending.ts";
import { DEFAULT_SPENDING_ORDER, emptyBalances, totalOf, type Actor, type Bucket, type BucketBalances } from "./types.ts";

/**
 * A usage batch as the ledger posts it: each record debited once, as `api_usage`, in the
 * spending order, below zero on the last bucket if need be (the calls already happened).
 *
 * The ledger writes a usage record's row in `usage_records` along with its entries: that row is
 * the record's idempotency key (as a `postings` row is a posting's), holding what the record
 * charged so that the same id sent again is told apart from the same id reused for another charge.
 * It is written in the statement that writes the entries, and read under the accounts' locks.
 *
 * In three parts: pure planning (records and what the locks read in; outcomes, entries, balance
 * updates and account movements out), the SQL, and the transactions, each over its own accounts.
 */

/** One usage record, as the ledger debits it (src/usage checks what the gateway sends). */
export interface UsageDebit {
  id: string;
  accountId: string;
  model: string;
  endpoint: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  calls: number;
  /** Micro-USD, zero or more. */
  cost: bigint;
  time: Date;
  /** The API token and token group the gateway says the call went through, when it says. */
  token?: string | null;
  tokenGroup?: string | null;
}

/**
 * What became of a record: debited now; debited before (the same id with the same charge);
 * the same id with a different account, cost, model or endpoint; an account that does not exist;
 * a debit that would take a balance outside USAGE_BALANCE_FLOOR .. BIGINT_MAX (see there), or
 * a cost outside 0 .. MAX_USAGE_COST.
 */
export type UsageOutcome = "accepted" | "duplicate" | "conflict" | "unknown_account" | "out_of_range";

/** The most one usage record may cost: 10^12 micro-USD, $1,000,000. */
export const MAX_USAGE_COST = 1_000_000_000_000n;

/**
 * The lowest usage may take an account's balance, or any of its buckets: -10^15 micro-USD,
 * -$1,000,000,000. A record that would go further is not debited (`out_of_range`); the rest of its
 * batch is. With MAX_USAGE_COST and 1,000 records a batch, a batch moves an account by at most
 * 10^15, so no running total the planner computes comes near PostgreSQL's bigint range.
 */
export const USAGE_BALANCE_FLOOR = -1_000_000_000_000_000n;

/** PostgreSQL's bigint, the type of every amount and balance. */
export const BIGINT_MAX = 2n ** 63n - 1n;

const inRange = (amount: bigint) => amount >= USAGE_BALANCE_FLOOR && amount <= BIGINT_MAX;

/** The ledger key of a usage record: its entries are `usage:<id>#<part>`. */
export function usageKey(recordId: string): string {
  return `usage:${recordId}`;
}

/** An account's low-balance setting, as read under its lock (see src/notify/lowBalance.ts). */
export interface AccountAlertSettings {
  threshold: bigint | null;
  armed: boolean;
  locale: string;
}

export interface LockedAccount {
  balances: BucketBalances;
  /** Buckets that have a cached balance row: updated in place; the others are inserted. */
  stored: Set<Bucket>;
  settings: AccountAlertSettings;
}

/** What a record already debited charged: its usage row. */
export interface SeenUsage {
  accountId: string;
  cost: bigint;
  model: string;
  endpoint: string;
}

/** What a batch's transaction reads once its accounts are locked. */
export interface LockedBatch {
  /** The accounts that exist, now locked. */
  accounts: Map<string, LockedAccount>;
  /** The batch's record ids already debited. */
  seen: Map<string, SeenUsage>;
}

export interface PlannedEntry {
  /** The record's position in the batch. */
  record: number;
  accountId: string;
  bucket: Bucket;
  amount: bigint;
  balanceAfter: bigint;
  bucketBalanceAfter: bigint;
  /** Its part of the record's debit, numbered from 0: its key is `usage:<id>#<part>`. */
  part: number;
}

export interface PlannedBalance {
  accountId: string;
  bucket: Bucket;
  /** The cached balance once the batch is written. */
  amount: bigint;
  /** True when the row exists (an update), false when it is new (an insert). */
  stored: boolean;
}

/** An account a batch debited: its balance before and after, and what the caller may act on. */
export interface UsageMovement extends AccountMovement {
  /** The batch's last record on this account. */
  cause: string;
  settings: AccountAlertSettings;
}

export interface UsageBatchPlan {
  /** By position in the batch. */
  outcomes: UsageOutcome[];
  /** Positions of the records to write (the accepted ones), in the order they are debited. */
  accepted: number[];
  /** In the order they are written: an account's entries, read back by id, replay its balance. */
  entries: PlannedEntry[];
  balances: PlannedBalance[];
  /** Every account with an accepted record, even a zero-cost one. */
  movements: UsageMovement[];
}

function sameUsage(a: SeenUsage, b: SeenUsage): boolean {
  return a.accountId === b.accountId && a.cost === b.cost && a.model === b.model && a.endpoint === b.endpoint;
}

/**
 * A record id repeated inside one batch: the first occurrence counts, whatever becomes of it;
 * a later one is a duplicate, or a conflict when it charges something else.
 * Returns the outcome of each repeat (undefined for a first occurrence) and the first occurrences.
 */
export function firstOccurrences(records: readonly UsageDebit[]): { outcomes: (UsageOutcome | undefined)[]; first: number[] } {
  const outcomes = new Array<UsageOutcome | undefined>(records.length);
  const first: number[] = [];
  const firstById = new Map<string, UsageDebit>();
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const earlier = firstById.get(record.id);
    if (!earlier) {
      firstById.set(record.id, record);
      first.push(i);
    } else {
      outcomes[i] = sameUsage(record, earlier) ? "duplicate" : "conflict";
    }
  }
  return { outcomes, first };
}

/**
 * Plans a batch's debits from what its locks read: no I/O. Records are debited in the order
 * given; each is split over the buckets in spending order, and what its buckets do not hold
 * falls on the last bucket, below zero. A record debited before writes nothing; nor does a
 * repeat of an id earlier in the batch (see firstOccurrences). Balance after and bucket balance
 * after are running totals, as postEntries computes them. A record whose cost is outside
 * 0 .. MAX_USAGE_COST, or whose debit would take the account's balance or a bucket's outside
 * USAGE_BALANCE_FLOOR .. BIGINT_MAX, is `out_of_range` and changes nothing: no plan holds an
 * amount or a balance PostgreSQL's bigint cannot.
 */
export function planUsageBatch(
  records: readonly UsageDebit[],
  locked: LockedBatch,
  spendingOrder: readonly Bucket[] = DEFAULT_SPENDING_ORDER,
): UsageBatchPlan {
  const outcomes = new Array<UsageOutcome>(records.length);
  const accepted: number[] = [];
  const entries: PlannedEntry[] = [];
  const earlierInBatch = new Map<string, UsageDebit>();
  // Working copies: the locked state stays as read.
  const current = new Map<string, { balances: BucketBalances; total: bigint; before: bigint; touched: Set<Bucket>; cause: string }>();

  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const repeated = earlierInBatch.get(record.id);
    if (repeated) {
      outcomes[i] = sameUsage(record, repeated) ? "duplicate" : "conflict";
      continue;
    }
    earlierInBatch.set(record.id, record);
    const earlier = locked.seen.get(record.id);
    if (earlier) {
      outcomes[i] = sameUsage(record, earlier) ? "duplicate" : "conflict";
      continue;
    }
    const account = locked.accounts.get(record.accountId);
    if (!account) {
      outcomes[i] = "unknown_account";
      continue;
    }
    const state = current.get(record.accountId);
    const balances = state?.balances ?? account.balances;
    const total = state?.total ?? totalOf(account.balances);
    // Planned first and written only if every amount and running balance it produces fits: an
    // out-of-range value would make PostgreSQL refuse the whole batch, every time it is sent.
    const parts = record.cost > 0n && record.cost <= MAX_USAGE_COST ? splitDebit(record.cost, balances, spendingOrder) : [];
    const planned: { bucket: Bucket; amount: bigint; balanceAfter: bigint; bucketBalanceAfter: bigint }[] = [];
    let fits = record.cost >= 0n && record.cost <= MAX_USAGE_COST;
    let running = total;
    const bucketAfter = new Map<Bucket, bigint>();
    for (const { bucket, amount } of parts) {
      running += amount;
      const after = (bucketAfter.get(bucket) ?? balances[bucket]) + amount;
      bucketAfter.set(bucket, after);
      if (!inRange(running) || !inRange(after)) fits = false;
      planned.push({ bucket, amount, balanceAfter: running, bucketBalanceAfter: after });
    }
    if (!fits) {
      outcomes[i] = "out_of_range";
      continue;
    }

    outcomes[i] = "accepted";
    accepted.push(i);
    let debited = state;
    if (!debited) {
      debited = { balances: { ...account.balances }, total, before: total, touched: new Set(), cause: record.id };
      current.set(record.accountId, debited);
    }
    debited.cause = record.id;
    for (let part = 0; part < planned.length; part++) {
      const { bucket, amount, balanceAfter, bucketBalanceAfter } = planned[part];
      debited.balances[bucket] = bucketBalanceAfter;
      debited.total = balanceAfter;
      debited.touched.add(bucket);
      entries.push({ record: i, accountId: record.accountId, bucket, amount, balanceAfter, bucketBalanceAfter, part });
    }
  }

  const balances: PlannedBalance[] = [];
  const movements: UsageMovement[] = [];
  for (const [accountId, state] of current) {
    const account = locked.accounts.get(accountId)!;
    for (const bucket of state.touched) balances.push({ accountId, bucket, amount: state.balances[bucket], stored: account.stored.has(bucket) });
    movements.push({ accountId, before: state.before, after: state.total, balances: state.balances, cause: state.cause, settings: account.settings });
  }
  return { outcomes, accepted, entries, balances, movements };
}

/** What `usage_batch_lock_and_read` returns (see its migration), as JSON text. */
interface LockAndReadState {
  /** id, low-balance threshold (micro-USD as text, or null), armed, locale: the accounts now locked */
  accounts: [string, string | null, boolean, string][];
  /** account id, bucket, amount (micro-USD as text) */
  balances: [string, Bucket, string][];
  /** record id, account id, cost (text), model, endpoint: records of this batch already debited */
  seen: [string, string, string, string, string][];
}

export function parseLockedBatch(json: string): LockedBatch {
  const state = JSON.parse(json) as LockAndReadState;
  const accounts = new Map<string, LockedAccount>();
  for (const [id, threshold, armed, locale] of state.accounts) {
    accounts.set(id, { balances: emptyBalances(), stored: new Set(), settings: { threshold: threshold === null ? null : BigInt(threshold), armed, locale } });
  }
  for (const [accountId, bucket, amount] of state.balances) {
    const account = accounts.get(accountId)!;
    account.balances[bucket] = BigInt(amount);
    account.stored.add(bucket);
  }
  const seen = new Map<string, SeenUsage>();
  for (const [recordId, accountId, cost, model, endpoint] of state.seen) seen.set(recordId, { accountId, cost: BigInt(cost), model, endpoint });
  return { accounts, seen };
}

/**
 * Splits a batch into `parts` groups of whole accounts (contiguous in id order), each written by
 * its own transaction on its own connection. Every transaction locks its accounts in ascending
 * id order, so however the groups of concurrent batches overlap, no two can wait on each other
 * in a cycle. Returns positions; within a group they keep the batch's order, the debit order.
 */
export function chunkByAccount(records: readonly UsageDebit[], positions: readonly number[], parts: number): number[][] {
  if (positions.length === 0) return [];
  const byAccount = new Map<string, number[]>();
  for (const i of positions) {
    const list = byAccount.get(records[i].accountId);
    if (list) list.push(i);
    else byAccount.set(records[i].accountId, [i]);
  }
  const accounts = [...byAccount.keys()].sort();
  const target = Math.ceil(positions.length / Math.min(Math.max(1, parts), accounts.length));
  const chunks: number[][] = [[]];
  for (const account of accounts) {
    if (chunks.at(-1)!.length >= target) chunks.push([]);
    chunks.at(-1)!.push(...byAccount.get(account)!);
  }
  for (const chunk of chunks) chunk.sort((a, b) => a - b);
  return chunks;
}

/**
 * Work that must commit or roll back with the debit (the low-balance alert): chosen from the
 * plan before anything is written, run after the write in the same transaction.
 */
export interface UsageFollowUp {
  wants(movement: UsageMovement): boolean;
  run(tx: Tx, movements: UsageMovement[]): Promise<void>;
}

export interface UsageBatchOptions {
  actor: Actor;
  spendingOrder?: readonly Bucket[];
  /**
   * Transactions writing one batch at once, each on its own connection (PostgreSQL only; PGlite
   * has one connection). Records of one account always go to the same transaction.
   */
  parallel?: number;
  /**
   * The database's own driver. When it runs transactions itself (PostgreSQL), a batch goes
   * straight through it, without Prisma's per-query cost. The follow-up takes a Prisma
   * transaction: a part of a batch the follow-up wants is done again through Prisma.
   */
  driver?: SqlDriver;
  followUp?: UsageFollowUp;
}

export interface UsageBatchResult {
  /** By position in the batch. */
  outcomes: UsageOutcome[];
  /** Ledger entries written (a debit taken from two buckets is two entries). */
  entries: number;
  /** The movements the follow-up ran on, in transactions that committed. */
  followedUp: UsageMovement[];
}

/**
 * Debits a batch of usage records, each exactly once, as `api_usage` in the spending order.
 *
 * postEntries writes one posting per transaction; that cannot keep up with the thousands of
 * records per second a gateway sends. This is the same debit, batched, in two round trips per
 * transaction: the first locks every account of the part in id order (the order postEntries
 * locks in, so the two never deadlock) and reads their balances and the records already seen;
 * the second writes one posting for the part, its entries, the usage rows and the cached
 * balances in one set-based statement. Every record has its own unique keys, its usage row and
 * its entries' `usage:<id>#<n>`: they are the backstop for a writer that slips past the locks
 * (the same record id sent for two different accounts), whose transaction then fails and
 * retries, and sees the other writer's rows.
 */
export async function postUsageBatch(prisma: PrismaClient, records: readonly UsageDebit[], options: UsageBatchOptions): Promise<UsageBatchResult> {
  const { outcomes, first } = firstOccurrences(records);
  const result: UsageBatchResult = { outcomes: outcomes as UsageOutcome[], entries: 0, followedUp: [] };
  const chunks = chunkByAccount(records, first, options.parallel ?? 1);
  const written = await Promise.all(chunks.map((chunk) => postChunk(prisma, chunk.map((i) => records[i]), options)));
  written.forEach((part, c) => {
    const chunk = chunks[c];
    for (let k = 0; k < chunk.length; k++) result.outcomes[chunk[k]] = part.outcomes[k];
    result.entries += part.entries;
    result.followedUp.push(...part.followedUp);
  });
  return result;
}

async function postChunk(prisma: PrismaClient, records: UsageDebit[], options: UsageBatchOptions): Promise<UsageBatchResult> {
  const direct = options.driver?.transaction?.bind(options.driver);
  for (let attempt = 0; ; attempt++) {
    try {
      if (direct) {
        try {
          return await direct((session) => writeInTransaction((sql, params) => session.query(sql, params), null, records, options));
        } catch (err) {
          if (!(err instanceof FollowUpNeedsPrisma)) throw err;
        }
      }
      return await prisma.$transaction((tx) => writeInTransaction((sql, params) => tx.$queryRawUnsafe(sql, ...params), tx, records, options), {
        maxWait: 30_000,
        timeout: 120_000,
      });
    } catch (err) {
      if (attempt < 3 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

/** Thrown (and the transaction rolled back) when a part on the direct path needs the follow-up. */
class FollowUpNeedsPrisma extends Error {}

/** Runs one statement in the batch's transaction, whichever client holds it. */
type Query = <T extends Record<string, unknown>>(sql: string, params: unknown[]) => Promise<T[]>;

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
 * @param tx the Prisma transaction `query` runs in, which the follow-up joins; null on the
 * direct path, where a part that the follow-up wants throws FollowUpNeedsPrisma before writing.
 */
async function writeInTransaction(query: Query, tx: Tx | null, records: UsageDebit[], options: UsageBatchOptions): Promise<UsageBatchResult> {
  const accountIds = [...new Set(records.map((r) => r.accountId))].sort();

  // One round trip: the function locks the accounts in id order (the order postEntries locks
  // in), then reads, with a snapshot taken once the locks are ours, their alert settings and
  // balances and the records already seen. Account ids passed the UUID check, so they need no
  // quoting; record ids are free text.
  // The same statement turns sequential scans off for the rest of this transaction (set_config's
  // `true`): the batch reads and updates at most 1,000 keys of tables that only grow, which index
  // probes always do faster, but against a table of a few thousand rows the planner would rather
  // scan it whole, and a batch split over several transactions would scan it once each.
  const quotedIds = records.map((r) => quoted(r.id));
  const [row] = await query<{ state: string }>(
    `SELECT set_config('enable_seqscan', 'off', true) AS planner, "usage_batch_lock_and_read"($1::uuid[], $2::text[])::text AS state`,
    [arrayLiteral(accountIds), arrayLiteral(quotedIds)],
  );
  const plan = planUsageBatch(records, parseLockedBatch(row.state), options.spendingOrder);

  const followed = options.followUp ? plan.movements.filter((m) => options.followUp!.wants(m)) : [];
  if (followed.length > 0 && tx === null) throw new FollowUpNeedsPrisma();

  // Planning and building the write each take a millisecond or two for 1,000 records: a turn of
  // the event loop between them lets the web process acknowledge what came in meanwhile.
  if (plan.accepted.length > 0) {
    await setImmediate();
    await writePlan(query, records, quotedIds, plan, options.actor);
  }
  if (followed.length > 0) await options.followUp!.run(tx!, followed);
  return { outcomes: plan.outcomes, entries: plan.entries.length, followedUp: followed };
}

/**
 * One statement writes it all: one posting for the part's entries, the entries, the cached
 * balances and the usage rows. Each record's own unique keys are its usage row and its entries'
 * `usage:<id>#<part>` (a posting's entry keys are `<key>#<n>`, as in postEntries). An entry's
 * memo is the call's model and endpoint. Entries take their ids from the sequence in ORDER BY n
 * order, so an account's entries read back by id replay its balance-after column as planned.
 * Columns go as array literals: PostgreSQL reads them faster than JSON. Rows we read are updated
 * in place, missing ones inserted: no speculative insert per row, and the account locks keep
 * anyone else from adding a row meanwhile.
 */
async function writePlan(query: Query, records: UsageDebit[], quotedIds: string[], plan: UsageBatchPlan, actor: Actor): Promise<void> {
  const usage = { ids: [] as string[], accounts: [] as string[], models: [] as string[], endpoints: [] as string[], inputTokens: [] as number[], outputTokens: [] as number[], cachedTokens: [] as number[], calls: [] as number[], costs: [] as string[], times: [] as string[], tokens: [] as string[], tokenGroups: [] as string[] };
  // Models, endpoints, tokens and groups repeat across a batch: quote each once.
  const quotedText = new Map<string, string>();
  const quotedOnce = (text: string) => {
    let q = quotedText.get(text);
    if (q === undefined) quotedText.set(text, (q = quoted(text)));
    return q;
  };
  // An unquoted NULL is an array literal's null; the text "NULL" would be quoted. A batch in
  // which no record names a token (or a group) sends that column empty: unnest pads a shorter
  // array with nulls, so the column costs nothing to build or to read.
  const quotedOrNull = (text: string | null | undefined) => (text == null ? "NULL" : quotedOnce(text));
  const withTokens = plan.accepted.some((i) => records[i].token != null);
  const withGroups = plan.accepted.some((i) => records[i].tokenGroup != null);
  // An entry names its usage row (1-based, in the order of the usage columns); the write takes
  // account, reference, memo and key from that row.
  const rowOf = new Int32Array(records.length);
  for (const i of plan.accepted) {
    const record = records[i];
    usage.ids.push(quotedIds[i]);
    usage.accounts.push(record.accountId);
    usage.models.push(quotedOnce(record.model));
    usage.endpoints.push(quotedOnce(record.endpoint));
    usage.inputTokens.push(record.inputTokens);
    usage.outputTokens.push(record.outputTokens);
    usage.cachedTokens.push(record.cachedTokens);
    usage.calls.push(record.calls);
    usage.costs.push(record.cost.toString());
    usage.times.push(record.time.toISOString());
    if (withTokens) usage.tokens.push(quotedOrNull(record.token));
    if (withGroups) usage.tokenGroups.push(quotedOrNull(record.tokenGroup));
    rowOf[i] = usage.ids.length;
  }
  const entry = { rows: [] as number[], buckets: [] as string[], amounts: [] as string[], balancesAfter: [] as string[], bucketBalancesAfter: [] as string[], parts: [] as number[] };
  for (const e of plan.entries) {
    entry.rows.push(rowOf[e.record]);
    entry.buckets.push(e.bucket);
    entry.amounts.push(e.amount.toString());
    entry.balancesAfter.push(e.balanceAfter.toString());
    entry.bucketBalancesAfter.push(e.bucketBalanceAfter.toString());
    entry.parts.push(e.part);
  }
  const updated = { accounts: [] as string[], buckets: [] as string[], amounts: [] as string[] };
  const inserted = { accounts: [] as string[], buckets: [] as string[], amounts: [] as string[] };
  for (const b of plan.balances) {
    const target = b.stored ? updated : inserted;
    target.accounts.push(b.accountId);
    target.buckets.push(b.bucket);
    target.amounts.push(b.amount.toString());
  }

  const entryColumns = [entry.rows, entry.buckets, entry.amounts, entry.balancesAfter, entry.bucketBalancesAfter, entry.parts].map(arrayLiteral);
  const usageColumns = [usage.ids, usage.accounts, usage.models, usage.endpoints, usage.inputTokens, usage.outputTokens, usage.cachedTokens, usage.calls, usage.costs, usage.times, usage.tokens, usage.tokenGroups].map(arrayLiteral);
  const hash = createHash("sha256");
  for (const column of [...entryColumns, ...usageColumns]) hash.update(column);
  await query(
    `WITH usage_rows AS (
       SELECT * FROM unnest($18::text[], $19::uuid[], $20::text[], $21::text[], $22::int[], $23::int[], $24::int[], $25::int[], $26::bigint[], $27::timestamptz[],
                            $28::text[], $29::text[])
                     WITH ORDINALITY AS u(id, a, m, e, it, ot, ct, c, cost, t, tok, grp, row)
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
     INSERT INTO "usage_records" ("recordId", "accountId", "model", "endpoint", "inputTokens", "outputTokens", "cachedTokens", "calls", "cost", "occurredAt", "token", "tokenGroup")
     SELECT id, a, m, e, it, ot, ct, c, cost, t, tok, grp FROM usage_rows`,
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
