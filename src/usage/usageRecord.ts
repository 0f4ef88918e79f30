import { setImmediate } from "node:timers/promises";
import { z } from "zod";
import { MAX_USAGE_COST } from "../ledger/postUsageBatch.ts";
import { formatUsd } from "../ledger/money.ts";

/** How many records one request may carry; a bigger batch is refused as a whole. */
export const MAX_USAGE_BATCH = 1000;

/**
 * The window a record's time must fall in: from EARLIEST_USAGE_TIME to USAGE_TIME_LEEWAY_MS after
 * the server's clock. PostgreSQL has no year 0 (`0000-01-01T00:00:00Z`, or
 * `0001-01-01T00:30:00+01:00`, which is year 0 in UTC) and does not read the `+010000-…` that
 * JavaScript writes for a year past 9999: refused here, one record at a time, they cannot fail the
 * batch. A day ahead leaves room for a gateway whose clock runs fast.
 */
export const EARLIEST_USAGE_TIME = new Date("2000-01-01T00:00:00Z");
export const USAGE_TIME_LEEWAY_MS = 24 * 3_600_000;

/** Integer micro-USD with no sign and no decimals; its size is checked against MAX_USAGE_COST. */
const COST = /^\d+$/;
const ACCOUNT_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/**
 * Characters a terminal acts on rather than shows: C0 controls (tab and newline included), DEL,
 * C1 controls, and the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069), which make text read differently from what it holds. U+0000 is among them:
 * PostgreSQL text cannot hold it.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** String.prototype.isWellFormed (Node 20), which the TypeScript lib this project targets does not declare. */
const isWellFormed = (value: string) => (value as string & { isWellFormed(): boolean }).isWellFormed();
const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
/** A missing field says "required"; a present one of the wrong kind says what is expected. */
const expected = (what: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? "required" : what) });
/**
 * Free text, as PostgreSQL stores it and as a terminal shows it: well-formed Unicode (a lone
 * surrogate is stored as U+FFFD, so "\uD800a" and "\uDC00a" would be the same id) and no control
 * characters. Refused here, one record at a time, rather than failing the batch.
 */
const text = () =>
  z
    .string(expected("a string"))
    .min(1, "a non-empty string")
    .max(200, "at most 200 characters")
    .check((ctx) => {
      if (!isWellFormed(ctx.value)) {
        ctx.issues.push({ code: "custom", input: ctx.value, message: "well-formed Unicode (no lone surrogates)" });
        return;
      }
      const control = CONTROL.exec(ctx.value);
      if (control) {
        ctx.issues.push({ code: "custom", input: ctx.value, message: `no control characters or bidirectional overrides (found ${codePoint(control[0])})` });
      }
    });
const count = z.number(expected("a whole number")).int("a whole number").min(0, "at least 0").max(2_147_483_647, "too large").default(0);

const maxCost = `at most ${MAX_USAGE_COST} micro-USD (${formatUsd(MAX_USAGE_COST)}) per record`;

/**
 * One usage record as the gateway sends it, its time checked against the window around `now`.
 * Messages are meant for the gateway's developers.
 */
export function usageRecordSchema(now: Date = new Date()) {
  const latest = new Date(now.getTime() + USAGE_TIME_LEEWAY_MS);
  return recordSchema(() => latest);
}

/** The record schema, its window ending at what `latest` returns when a record's time is checked. */
function recordSchema(latest: () => Date) {
  const window = () => `from ${EARLIEST_USAGE_TIME.toISOString().replace(".000", "")} to ${USAGE_TIME_LEEWAY_MS / 3_600_000} hours after the server's clock (${latest().toISOString()})`;
  return z.object({
    id: text(),
    accountId: z
      .string(expected("an account id (UUID)"))
      .regex(ACCOUNT_ID, "an account id (UUID)")
      .transform((v) => v.toLowerCase()),
    model: text(),
    endpoint: text(),
    inputTokens: count,
    outputTokens: count,
    cachedTokens: count,
    calls: count,
    // Optional: the API token (its name or id, never its key) and the token group the call was
    // billed through, as the platform's usage records show them. A record without them, or with
    // null, is stored without them.
    token: text().nullish(),
    tokenGroup: text().nullish(),
    // A JSON number is refused on purpose: 1.5 or 1e21 would silently lose micro-USD.
    cost: z
      .string(expected('an integer string of micro-USD, such as "1500"'))
      .regex(COST, 'an integer string of micro-USD, such as "1500" (no sign, no decimals)')
      // The length first: BigInt of a megabyte of digits is slow, and far past the limit anyway.
      .refine((v) => !COST.test(v) || (v.replace(/^0+(?=\d)/, "").length <= String(MAX_USAGE_COST).length && BigInt(v) <= MAX_USAGE_COST), maxCost)
      .transform((v) => BigInt(v)),
    time: z.iso
      .datetime({ offset: true, ...expected("an ISO 8601 time, such as 2025-01-31T12:00:00Z") })
      .transform((v) => new Date(v))
      // The message is written as the record is checked: zod builds a refusal's messages only
      // when they are first read, and by then `latest` may be another batch's.
      .check((ctx) => {
        const time = ctx.value.getTime();
        if (!(time >= EARLIEST_USAGE_TIME.getTime() && time <= latest().getTime())) ctx.issues.push({ code: "custom", input: ctx.value, message: `a time ${window()}` });
      }),
  });
}

/**
 * A checker of records against the window around `now`. Every checker shares one schema, built
 * once: zod compiles an object schema into a parser of its own the first time it is used, so a
 * schema per batch paid that compilation on every request (and V8 never optimized a parser it
 * saw only once), a few milliseconds of the thread that also acknowledges Slack. The window's
 * end is set just before each record is checked; a check runs start to end without awaiting,
 * so no other batch's check can run in between.
 */
export function usageRecordChecker(now: Date = new Date()): (raw: unknown) => ReturnType<SharedSchema["safeParse"]> {
  const latest = new Date(now.getTime() + USAGE_TIME_LEEWAY_MS);
  return (raw) => {
    sharedLatest = latest;
    return sharedSchema.safeParse(raw);
  };
}

let sharedLatest = new Date(0);
const sharedSchema = recordSchema(() => sharedLatest);
type SharedSchema = typeof sharedSchema;

export type UsageRecordInput = z.output<ReturnType<typeof usageRecordSchema>>;

export interface IndexedRecord {
  /** Position in the request, so a rejection can be traced back even without an id. */
  index: number;
  record: UsageRecordInput;
}

export type RejectReason = "invalid_record" | "unknown_account" | "id_conflict" | "balance_out_of_range";

export interface RejectedRecord {
  index: number;
  id: string | null;
  reason: RejectReason;
  message: string;
  fields?: Record<string, string>;
}

export class UsageBatchError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
    this.name = "UsageBatchError";
  }
}

/**
 * Checks the shape of the batch as a whole (an object with at most MAX_USAGE_BATCH records) and
 * each record on its own, so that one bad record is reported without sinking the others.
 */
export function parseUsageBatch(body: unknown, options: { now?: Date } = {}): ParsedBatch {
  const records = recordsOf(body);
  const check = usageRecordChecker(options.now);
  const parsed: ParsedBatch = { valid: [], rejected: [] };
  records.forEach((raw, index) => parseRecordInto(parsed, check, raw, index));
  return parsed;
}

/** How many records parseUsageBatchInSlices checks between two turns of the event loop. */
export const USAGE_PARSE_SLICE = 100;

/**
 * parseUsageBatch, giving the event loop a turn after every `slice` records. Checking 1,000
 * records takes a few milliseconds; in one piece that is a few milliseconds in which the web
 * process acknowledges nothing, Slack's commands and clicks included (bench:slack, +ingest).
 */
export async function parseUsageBatchInSlices(body: unknown, options: { now?: Date; slice?: number } = {}): Promise<ParsedBatch> {
  const records = recordsOf(body);
  const check = usageRecordChecker(options.now);
  const slice = Math.max(1, options.slice ?? USAGE_PARSE_SLICE);
  const parsed: ParsedBatch = { valid: [], rejected: [] };
  for (let from = 0; from < records.length; from += slice) {
    if (from > 0) await setImmediate();
    const to = Math.min(records.length, from + slice);
    for (let index = from; index < to; index++) parseRecordInto(parsed, check, records[index], index);
  }
  return parsed;
}

export interface ParsedBatch {
  valid: IndexedRecord[];
  rejected: RejectedRecord[];
}

/** The records of a batch, once its shape as a whole is right. */
function recordsOf(body: unknown): unknown[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new UsageBatchError('the body must be a JSON object: {"records": [...]}');
  }
  const records = (body as { records?: unknown }).records;
  if (!Array.isArray(records)) throw new UsageBatchError('"records" must be an array of usage records');
  if (records.length === 0) throw new UsageBatchError('"records" is empty');
  if (records.length > MAX_USAGE_BATCH) {
    throw new UsageBatchError(`a batch holds at most ${MAX_USAGE_BATCH} records; this one has ${records.length}`);
  }
  return records;
}

/** One record, checked on its own: valid, or rejected with a message per field. */
function parseRecordInto(into: ParsedBatch, check: ReturnType<typeof usageRecordChecker>, raw: unknown, index: number): void {
  const parsed = check(raw);
  if (parsed.success) {
    into.valid.push({ index, record: parsed.data });
    return;
  }
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join(".") : "record";
    fields[field] ??= issue.path.length > 0 ? issue.message : "a JSON object";
  }
  const rawId = typeof raw === "object" && raw !== null ? (raw as { id?: unknown }).id : undefined;
  into.rejected.push({
    index,
    id: typeof rawId === "string" ? rawId.slice(0, 200) : null,
    reason: "invalid_record",
    message: Object.entries(fields).map(([f, m]) => `${f}: ${m}`).join("; "),
    fields,
  });
}
