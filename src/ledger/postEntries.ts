import { createHash } from "node:crypto";
import { UserError } from "../errors.ts";
import { Prisma, type PrismaClient, type Tx } from "../db/index.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";
import { splitDebit } from "./spending.ts";
import {
  BUCKETS,
  DEFAULT_SPENDING_ORDER,
  emptyBalances,
  totalOf,
  type Actor,
  type Bucket,
  type BucketBalances,
  type EntryType,
} from "./types.ts";

export interface PostingLine {
  accountId: string;
  type: EntryType;
  /** Signed micro-USD. */
  amount: bigint;
  /** Required, except for an api_usage debit, which is spread across buckets in spending order. */
  bucket?: Bucket;
}

export interface PostingRequest {
  /** Writing the same key twice writes once. */
  idempotencyKey: string;
  lines: PostingLine[];
  actor: Actor;
  reference?: string;
  memo?: string;
  spendingOrder?: readonly Bucket[];
}

export interface PostedEntry {
  id: bigint;
  accountId: string;
  type: EntryType;
  bucket: Bucket;
  amount: bigint;
  balanceAfter: bigint;
  bucketBalanceAfter: bigint;
}

export interface AccountMovement {
  accountId: string;
  before: bigint;
  after: bigint;
  balances: BucketBalances;
}

export interface PostingResult {
  postingId: bigint;
  /** True when the key had been posted already and nothing new was written. */
  replayed: boolean;
  entries: PostedEntry[];
  /** Balance of each account touched, before and after this posting (replays: both are now). */
  accounts: AccountMovement[];
}

export class IdempotencyConflictError extends Error {
  constructor(readonly idempotencyKey: string) {
    super(`idempotency key ${idempotencyKey} was already used for a different posting`);
    this.name = "IdempotencyConflictError";
  }
}

/** The hash that tells "the same input again" from "a different input under the same key". */
export function requestHashOf(request: PostingRequest): string {
  const canonical = JSON.stringify({
    lines: request.lines.map((l) => [l.accountId, l.type, l.bucket ?? null, l.amount.toString()]),
    actor: [request.actor.type, request.actor.id ?? null],
    reference: request.reference ?? null,
    memo: request.memo ?? null,
  });
  return createHash("sha256").update(canonical).digest("hex");
}

function validate(request: PostingRequest): void {
  if (!request.idempotencyKey) throw new RangeError("a posting needs an idempotency key");
  if (request.lines.length === 0) throw new RangeError("a posting needs at least one line");
  for (const line of request.lines) {
    if (typeof line.amount !== "bigint") throw new TypeError("amounts are bigint micro-USD");
    if (line.amount === 0n) throw new RangeError("a posting line moves a non-zero amount");
    if (!line.bucket && !(line.type === "api_usage" && line.amount < 0n)) {
      throw new RangeError(`a ${line.type} line needs a bucket`);
    }
    if (line.bucket && !BUCKETS.includes(line.bucket)) throw new RangeError(`unknown bucket ${line.bucket}`);
  }
}

/** What every path of a posting shares, computed once. */
interface Prepared {
  request: PostingRequest;
  hash: string;
  /** In ascending id order: the order every writer locks accounts in, so none waits in a cycle. */
  accountIds: string[];
  idList: Prisma.Sql;
}

function prepare(request: PostingRequest): Prepared {
  validate(request);
  const accountIds = [...new Set(request.lines.map((l) => l.accountId))].sort();
  return {
    request,
    hash: requestHashOf(request),
    accountIds,
    idList: Prisma.join(accountIds.map((id) => Prisma.sql`${id}::uuid`)),
  };
}

const entryKey = (request: PostingRequest, i: number) => `${request.idempotencyKey}#${i}`;

/** Credits only, each into a named bucket: nothing to split, nothing that can go below zero. */
function isPlainCredit(request: PostingRequest): boolean {
  return request.lines.every((l) => l.bucket !== undefined && l.amount > 0n);
}

/**
 * Writes one posting inside the caller's transaction: locks the accounts in id order, checks
 * the idempotency key, applies the spending order to usage, refuses to take any balance below
 * zero except through api_usage, writes the entries and updates the cached balances.
 *
 * Round trips are a posting's cost, so: a plain credit is one statement; anything else is two
 * (lock and read; then claim the key and write). Reading right after taking the lock, in the same
 * statement, is correct only because the read goes through `ledger_fresh_balances`, a volatile
 * function whose query takes its own snapshot once the lock is held (see its migration).
 */
export async function postEntries(tx: Tx, request: PostingRequest): Promise<PostingResult> {
  const prepared = prepare(request);
  return isPlainCredit(request) ? creditInOneStatement(tx, prepared) : postWithChecks(tx, prepared);
}

interface FreshBalance {
  account_id: string;
  bucket: string | null;
  amount: bigint | string | null;
}

function balancesFrom(prepared: Prepared, rows: FreshBalance[]): Map<string, BucketBalances> {
  const balances = new Map<string, BucketBalances>();
  for (const id of prepared.accountIds) balances.set(id, emptyBalances());
  for (const row of rows) {
    if (row.bucket !== null && row.amount !== null) balances.get(row.account_id)![row.bucket as Bucket] = BigInt(row.amount);
  }
  return balances;
}

function parseJson<T>(value: T | string | null): T | null {
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
}

/** The key is taken already: the same input gets the first result, another input an error. */
async function alreadyPosted(tx: Tx, prepared: Prepared): Promise<PostingResult> {
  const existing = await tx.posting.findUniqueOrThrow({ where: { idempotencyKey: prepared.request.idempotencyKey } });
  if (existing.requestHash !== prepared.hash) throw new IdempotencyConflictError(prepared.request.idempotencyKey);
  return replay(tx, existing.id, prepared.accountIds);
}

function missingAccount(prepared: Prepared, found: Iterable<string>): UserError {
  const present = new Set(found);
  return new UserError("errors.account_not_found", { id: prepared.accountIds.find((id) => !present.has(id))! });
}

interface CreditRow {
  ready: boolean;
  posting_id: bigint | number | null;
  entries: { id: string; key: string; ba: string; bba: string }[] | string | null;
  balances: { a: string; b: string; v: string }[] | string | null;
  locked: string[] | null;
}

/**
 * A plain credit in a single statement, which is a transaction of its own: lock the accounts,
 * read fresh balances, claim the key, and write entries and balances, each step gated on the
 * one before. Balance-after figures are running sums over the lines, computed in SQL.
 */
async function creditInOneStatement(tx: Tx, prepared: Prepared): Promise<PostingResult> {
  const { request, hash, accountIds, idList } = prepared;
  const input = Prisma.join(
    request.lines.map(
      (l, i) => Prisma.sql`(${i}::int, ${l.accountId}::uuid, ${l.type}::text, ${l.bucket!}::text, ${l.amount}::bigint, ${entryKey(request, i)}::text)`,
    ),
  );
  const [row] = await tx.$queryRaw<CreditRow[]>`
    WITH input (ord, account_id, type, bucket, amount, entry_key) AS (VALUES ${input}),
    acc AS (
      SELECT "id" FROM "accounts" WHERE "id" IN (${idList}) ORDER BY "id" FOR UPDATE
    ),
    bal AS (
      SELECT acc."id" AS account_id, f."bucket", f."amount"
      FROM acc CROSS JOIN LATERAL "ledger_fresh_balances"(acc."id") f
    ),
    ready AS (
      SELECT (SELECT count(*) FROM acc) = ${accountIds.length} AS ok
    ),
    claim AS (
      INSERT INTO "postings" ("idempotencyKey", "requestHash")
      SELECT ${request.idempotencyKey}, ${hash} FROM ready WHERE ok
      ON CONFLICT ("idempotencyKey") DO NOTHING
      RETURNING "id"
    ),
    planned AS (
      SELECT i.*,
        (COALESCE((SELECT sum(bal."amount") FROM bal WHERE bal.account_id = i.account_id), 0)
          + sum(i.amount) OVER (PARTITION BY i.account_id ORDER BY i.ord))::bigint AS balance_after,
        (COALESCE((SELECT bal."amount" FROM bal WHERE bal.account_id = i.account_id AND bal."bucket" = i.bucket), 0)
          + sum(i.amount) OVER (PARTITION BY i.account_id, i.bucket ORDER BY i.ord))::bigint AS bucket_balance_after
      FROM input i
    ),
    entries AS (
      INSERT INTO "ledger_entries" ("postingId", "accountId", "type", "bucket", "amount", "balanceAfter", "bucketBalanceAfter",
                                    "actorType", "actorId", "reference", "memo", "idempotencyKey")
      SELECT claim."id", p.account_id, p.type, p.bucket, p.amount, p.balance_after, p.bucket_balance_after,
             ${request.actor.type}, ${request.actor.id ?? null}::text, ${request.reference ?? null}::text, ${request.memo ?? null}::text, p.entry_key
      FROM claim CROSS JOIN planned p
      ORDER BY p.ord
      RETURNING "id", "idempotencyKey", "balanceAfter", "bucketBalanceAfter"
    ),
    cache AS (
      INSERT INTO "balances" ("accountId", "bucket", "amount", "updatedAt")
      SELECT d.account_id, d.bucket, COALESCE(bal."amount", 0) + d.delta, now()
      FROM (SELECT account_id, bucket, sum(amount)::bigint AS delta FROM input GROUP BY 1, 2) d
      CROSS JOIN claim
      LEFT JOIN bal ON bal.account_id = d.account_id AND bal."bucket" = d.bucket
      ON CONFLICT ("accountId", "bucket") DO UPDATE SET "amount" = EXCLUDED."amount", "updatedAt" = EXCLUDED."updatedAt"
    )
    SELECT (SELECT ok FROM ready) AS ready,
           (SELECT "id" FROM claim) AS posting_id,
           (SELECT json_agg(json_build_object('id', "id"::text, 'key', "idempotencyKey", 'ba', "balanceAfter"::text, 'bba', "bucketBalanceAfter"::text)) FROM entries) AS entries,
           (SELECT json_agg(json_build_object('a', account_id::text, 'b', "bucket", 'v', "amount"::text)) FROM bal) AS balances,
           (SELECT array_agg("id"::text) FROM acc) AS locked`;

  if (!row.ready) throw missingAccount(prepared, row.locked ?? []);
  if (row.posting_id === null) return alreadyPosted(tx, prepared);

  const balances = balancesFrom(
    prepared,
    (parseJson(row.balances) ?? []).map((b) => ({ account_id: b.a, bucket: b.b, amount: b.v })),
  );
  const before = new Map(accountIds.map((id) => [id, totalOf(balances.get(id)!)]));
  const written = new Map((parseJson(row.entries) ?? []).map((e) => [e.key, e]));
  const entries: PostedEntry[] = request.lines.map((line, i) => {
    const e = written.get(entryKey(request, i))!;
    balances.get(line.accountId)![line.bucket!] += line.amount;
    return {
      id: BigInt(e.id),
      accountId: line.accountId,
      type: line.type,
      bucket: line.bucket!,
      amount: line.amount,
      balanceAfter: BigInt(e.ba),
      bucketBalanceAfter: BigInt(e.bba),
    };
  });
  return {
    postingId: BigInt(row.posting_id),
    replayed: false,
    entries,
    accounts: accountIds.map((id) => ({ accountId: id, before: before.get(id)!, after: totalOf(balances.get(id)!), balances: { ...balances.get(id)! } })),
  };
}

/**
 * A posting's entries, planned on the balances its locks read (no I/O): an api_usage debit with
 * no bucket is split in spending order, and each line is applied to `balances`, which become the
 * balances after. `refused` when a line other than api_usage takes a bucket or the account below
 * zero: only usage, which already happened, may.
 */
export function planPostingLines(
  lines: readonly PostingLine[],
  balances: Map<string, BucketBalances>,
  spendingOrder: readonly Bucket[],
): { planned: Omit<PostedEntry, "id">[]; refused: boolean } {
  const planned: Omit<PostedEntry, "id">[] = [];
  let refused = false;
  for (const line of lines) {
    const current = balances.get(line.accountId)!;
    const parts = line.bucket ? [{ bucket: line.bucket, amount: line.amount }] : splitDebit(-line.amount, current, spendingOrder);
    for (const part of parts) {
      current[part.bucket] += part.amount;
      if (line.type !== "api_usage" && part.amount < 0n && (current[part.bucket] < 0n || totalOf(current) < 0n)) refused = true;
      planned.push({
        accountId: line.accountId,
        type: line.type,
        bucket: part.bucket,
        amount: part.amount,
        balanceAfter: totalOf(current),
        bucketBalanceAfter: current[part.bucket],
      });
    }
  }
  return { planned, refused };
}

/** Debits and mixed postings: spending order and the below-zero rule need the balances in hand. */
async function postWithChecks(tx: Tx, prepared: Prepared): Promise<PostingResult> {
  const { request, hash, accountIds, idList } = prepared;
  const read = await tx.$queryRaw<FreshBalance[]>`
    SELECT acc."id"::text AS account_id, f."bucket", f."amount"
    FROM (SELECT "id" FROM "accounts" WHERE "id" IN (${idList}) ORDER BY "id" FOR UPDATE) acc
    LEFT JOIN LATERAL "ledger_fresh_balances"(acc."id") f ON true`;
  const locked = new Set(read.map((r) => r.account_id));
  if (locked.size !== accountIds.length) throw missingAccount(prepared, locked);

  const balances = balancesFrom(prepared, read);
  const before = new Map(accountIds.map((id) => [id, totalOf(balances.get(id)!)]));

  const { planned, refused } = planPostingLines(request.lines, balances, request.spendingOrder ?? DEFAULT_SPENDING_ORDER);
  if (refused) {
    // A key posted earlier keeps its first result, whatever the balance is now.
    const existing = await tx.posting.findUnique({ where: { idempotencyKey: request.idempotencyKey }, select: { id: true } });
    if (existing) return alreadyPosted(tx, prepared);
    throw new UserError("errors.insufficient_balance", {});
  }

  const touched = new Map<string, { accountId: string; bucket: Bucket }>();
  for (const e of planned) touched.set(`${e.accountId}/${e.bucket}`, { accountId: e.accountId, bucket: e.bucket });
  const entryRows = planned.map(
    (e, i) => Prisma.sql`(${i}::int, ${e.accountId}::uuid, ${e.type}::text, ${e.bucket}::text, ${e.amount}::bigint,
      ${e.balanceAfter}::bigint, ${e.bucketBalanceAfter}::bigint, ${entryKey(request, i)}::text)`,
  );
  const balanceRows = [...touched.values()].map(
    ({ accountId, bucket }) => Prisma.sql`(${accountId}::uuid, ${bucket}::text, ${balances.get(accountId)![bucket]}::bigint)`,
  );
  const [row] = await tx.$queryRaw<{ posting_id: bigint | number | null; entries: { id: string; key: string }[] | string | null }[]>`
    WITH claim AS (
      INSERT INTO "postings" ("idempotencyKey", "requestHash") VALUES (${request.idempotencyKey}, ${hash})
      ON CONFLICT ("idempotencyKey") DO NOTHING
      RETURNING "id"
    ),
    entries AS (
      INSERT INTO "ledger_entries" ("postingId", "accountId", "type", "bucket", "amount", "balanceAfter", "bucketBalanceAfter",
                                    "actorType", "actorId", "reference", "memo", "idempotencyKey")
      SELECT claim."id", v.account_id, v.type, v.bucket, v.amount, v.balance_after, v.bucket_balance_after,
             ${request.actor.type}, ${request.actor.id ?? null}::text, ${request.reference ?? null}::text, ${request.memo ?? null}::text, v.entry_key
      FROM claim CROSS JOIN (VALUES ${Prisma.join(entryRows)}) AS v (ord, account_id, type, bucket, amount, balance_after, bucket_balance_after, entry_key)
      ORDER BY v.ord
      RETURNING "id", "idempotencyKey"
    ),
    cache AS (
      INSERT INTO "balances" ("accountId", "bucket", "amount", "updatedAt")
      SELECT v.account_id, v.bucket, v.amount, now()
      FROM claim CROSS JOIN (VALUES ${Prisma.join(balanceRows)}) AS v (account_id, bucket, amount)
      ON CONFLICT ("accountId", "bucket") DO UPDATE SET "amount" = EXCLUDED."amount", "updatedAt" = EXCLUDED."updatedAt"
    )
    SELECT (SELECT "id" FROM claim) AS posting_id,
           (SELECT json_agg(json_build_object('id', "id"::text, 'key', "idempotencyKey")) FROM entries) AS entries`;
  if (row.posting_id === null) return alreadyPosted(tx, prepared);

  const idByKey = new Map((parseJson(row.entries) ?? []).map((e) => [e.key, BigInt(e.id)]));
  return {
    postingId: BigInt(row.posting_id),
    replayed: false,
    entries: planned.map((e, i) => ({ ...e, id: idByKey.get(entryKey(request, i))! })),
    accounts: accountIds.map((id) => ({ accountId: id, before: before.get(id)!, after: totalOf(balances.get(id)!), balances: { ...balances.get(id)! } })),
  };
}

async function replay(tx: Tx, postingId: bigint, accountIds: string[]): Promise<PostingResult> {
  const entries = await tx.ledgerEntry.findMany({ where: { postingId }, orderBy: { id: "asc" } });
  const accounts: AccountMovement[] = [];
  for (const id of accountIds) {
    const balances = await readBalances(tx, id);
    const total = totalOf(balances);
    accounts.push({ accountId: id, before: total, after: total, balances });
  }
  return {
    postingId,
    replayed: true,
    entries: entries.map((e) => ({
      id: e.id,
      accountId: e.accountId,
      type: e.type as EntryType,
      bucket: e.bucket as Bucket,
      amount: e.amount,
      balanceAfter: e.balanceAfter,
      bucketBalanceAfter: e.bucketBalanceAfter,
    })),
    accounts,
  };
}

export async function readBalances(tx: Tx, accountId: string): Promise<BucketBalances> {
  const balances = emptyBalances();
  const rows = await tx.balance.findMany({ where: { accountId } });
  for (const row of rows) balances[row.bucket as Bucket] = row.amount;
  return balances;
}


/**
 * Posts on its own. A plain credit is a single statement, so it needs no interactive
 * transaction (two round trips fewer); anything else runs in a transaction. A unique-key race
 * with a writer on other accounts (which the row locks do not serialize) is retried: the retry
 * finds the first result. The ledger counts nothing: a caller counts what it posted
 * (`countPosted` in src/metrics.ts) once its transaction has committed.
 */
export async function post(prisma: PrismaClient, request: PostingRequest): Promise<PostingResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return isPlainCredit(request)
        ? await creditInOneStatement(prisma, prepare(request))
        : await prisma.$transaction((tx) => postEntries(tx, request));
    } catch (err) {
      if (attempt < 2 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}
