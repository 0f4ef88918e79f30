import { createHash } from "node:crypto";
import { UserError } from "../errors.ts";
import { Prisma, type PrismaClient, type Tx } from "../db/index.ts";
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

/**
 * Writes one posting inside the caller's transaction: locks the accounts in id order, checks
 * the idempotency key, applies the spending order to usage, refuses to take any balance below
 * zero except through api_usage, writes the entries and updates the cached balances.
 *
 * Three statements whatever the number of lines (a posting is on every confirm, so round trips
 * are its cost): lock; claim the key and read the balances; write entries and balances. The lock
 * must be a statement of its own: under READ COMMITTED each statement reads a fresh snapshot, so
 * the balances read by the next one include whatever the previous lock holder committed.
 */
export async function postEntries(tx: Tx, request: PostingRequest): Promise<PostingResult> {
  validate(request);
  const hash = requestHashOf(request);
  const accountIds = [...new Set(request.lines.map((l) => l.accountId))].sort();
  const idList = Prisma.join(accountIds.map((id) => Prisma.sql`${id}::uuid`));

  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id"::text AS id FROM "accounts" WHERE "id" IN (${idList}) ORDER BY "id" FOR UPDATE`;
  if (locked.length !== accountIds.length) {
    const found = new Set(locked.map((r) => r.id));
    throw new UserError("errors.account_not_found", { id: accountIds.find((id) => !found.has(id))! });
  }

  // The key is claimed before the amounts are known; a refusal below rolls the claim back.
  const claimed = await tx.$queryRaw<{ posting_id: bigint | null; account_id: string | null; bucket: string | null; amount: bigint | null }[]>`
    WITH claim AS (
      INSERT INTO "postings" ("idempotencyKey", "requestHash") VALUES (${request.idempotencyKey}, ${hash})
      ON CONFLICT ("idempotencyKey") DO NOTHING
      RETURNING "id"
    )
    SELECT (SELECT "id" FROM claim) AS posting_id, b."accountId"::text AS account_id, b."bucket", b."amount"
    FROM (SELECT 1) AS one
    LEFT JOIN "balances" b ON b."accountId" IN (${idList})`;
  const postingId = claimed[0]?.posting_id;
  if (postingId === null || postingId === undefined) {
    const existing = await tx.posting.findUniqueOrThrow({ where: { idempotencyKey: request.idempotencyKey } });
    if (existing.requestHash !== hash) throw new IdempotencyConflictError(request.idempotencyKey);
    return replay(tx, existing.id, accountIds);
  }

  const balances = new Map<string, BucketBalances>();
  const before = new Map<string, bigint>();
  for (const id of accountIds) balances.set(id, emptyBalances());
  for (const row of claimed) {
    if (row.account_id !== null) balances.get(row.account_id)![row.bucket as Bucket] = BigInt(row.amount!);
  }
  for (const id of accountIds) before.set(id, totalOf(balances.get(id)!));

  const spendingOrder = request.spendingOrder ?? DEFAULT_SPENDING_ORDER;
  const planned: Omit<PostedEntry, "id">[] = [];
  for (const line of request.lines) {
    const current = balances.get(line.accountId)!;
    const parts = line.bucket
      ? [{ bucket: line.bucket, amount: line.amount }]
      : splitDebit(-line.amount, current, spendingOrder);
    for (const part of parts) {
      current[part.bucket] += part.amount;
      if (line.type !== "api_usage" && part.amount < 0n && (current[part.bucket] < 0n || totalOf(current) < 0n)) {
        throw new UserError("errors.insufficient_balance", {});
      }
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

  const touched = new Map<string, { accountId: string; bucket: Bucket }>();
  for (const e of planned) touched.set(`${e.accountId}/${e.bucket}`, { accountId: e.accountId, bucket: e.bucket });
  const entryKey = (i: number) => `${request.idempotencyKey}#${i}`;
  const entryRows = planned.map(
    (e, i) => Prisma.sql`(${postingId}::bigint, ${e.accountId}::uuid, ${e.type}, ${e.bucket}, ${e.amount}::bigint, ${e.balanceAfter}::bigint,
      ${e.bucketBalanceAfter}::bigint, ${request.actor.type}, ${request.actor.id ?? null}::text, ${request.reference ?? null}::text,
      ${request.memo ?? null}::text, ${entryKey(i)})`,
  );
  const balanceRows = [...touched.values()].map(
    ({ accountId, bucket }) => Prisma.sql`(${accountId}::uuid, ${bucket}, ${balances.get(accountId)![bucket]}::bigint, now())`,
  );
  const written = await tx.$queryRaw<{ id: bigint; key: string }[]>`
    WITH entries AS (
      INSERT INTO "ledger_entries" ("postingId", "accountId", "type", "bucket", "amount", "balanceAfter", "bucketBalanceAfter",
                                    "actorType", "actorId", "reference", "memo", "idempotencyKey")
      VALUES ${Prisma.join(entryRows)}
      RETURNING "id", "idempotencyKey"
    ), cache AS (
      INSERT INTO "balances" ("accountId", "bucket", "amount", "updatedAt")
      VALUES ${Prisma.join(balanceRows)}
      ON CONFLICT ("accountId", "bucket") DO UPDATE SET "amount" = EXCLUDED."amount", "updatedAt" = EXCLUDED."updatedAt"
    )
    SELECT "id", "idempotencyKey" AS key FROM entries`;
  const idByKey = new Map(written.map((w) => [w.key, BigInt(w.id)]));
  const entries: PostedEntry[] = planned.map((e, i) => ({ ...e, id: idByKey.get(entryKey(i))! }));

  return {
    postingId: BigInt(postingId),
    replayed: false,
    entries,
    accounts: accountIds.map((id) => ({
      accountId: id,
      before: before.get(id)!,
      after: totalOf(balances.get(id)!),
      balances: { ...balances.get(id)! },
    })),
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

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

/**
 * Posts in a transaction of its own. A unique-key race with a writer on other accounts (which
 * the row locks do not serialize) is retried once: the retry finds the first result.
 */
export async function post(prisma: PrismaClient, request: PostingRequest): Promise<PostingResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await prisma.$transaction((tx) => postEntries(tx, request));
    } catch (err) {
      if (attempt < 2 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}
