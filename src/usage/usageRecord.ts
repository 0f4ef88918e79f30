import { z } from "zod";

/** How many records one request may carry; a bigger batch is refused as a whole. */
export const MAX_USAGE_BATCH = 1000;

/** 18 digits keep every cost inside PostgreSQL's bigint; micro-USD, so that is a trillion USD. */
const COST = /^\d{1,18}$/;
const ACCOUNT_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A missing field says "required"; a present one of the wrong kind says what is expected. */
const expected = (what: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? "required" : what) });
// PostgreSQL text cannot hold U+0000: refused here, one record at a time, rather than failing the batch.
const text = () =>
  z
    .string(expected("a string"))
    .min(1, "a non-empty string")
    .max(200, "at most 200 characters")
    .regex(/^[^\u0000]*$/, "no NUL (U+0000) characters");
const count = z.number(expected("a whole number")).int("a whole number").min(0, "at least 0").max(2_147_483_647, "too large").default(0);

/** One usage record as the gateway sends it. Messages are meant for the gateway's developers. */
export const usageRecordSchema = z.object({
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
  // A JSON number is refused on purpose: 1.5 or 1e21 would silently lose micro-USD.
  cost: z
    .string(expected('an integer string of micro-USD, such as "1500"'))
    .regex(COST, "an integer string of micro-USD, such as \"1500\" (no sign, no decimals)")
    .transform((v) => BigInt(v)),
  time: z.iso
    .datetime({ offset: true, ...expected("an ISO 8601 time, such as 2025-01-31T12:00:00Z") })
    .transform((v) => new Date(v)),
});

export type UsageRecordInput = z.output<typeof usageRecordSchema>;

export interface IndexedRecord {
  /** Position in the request, so a rejection can be traced back even without an id. */
  index: number;
  record: UsageRecordInput;
}

export type RejectReason = "invalid_record" | "unknown_account" | "id_conflict";

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
export function parseUsageBatch(body: unknown): { valid: IndexedRecord[]; rejected: RejectedRecord[] } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new UsageBatchError('the body must be a JSON object: {"records": [...]}');
  }
  const records = (body as { records?: unknown }).records;
  if (!Array.isArray(records)) throw new UsageBatchError('"records" must be an array of usage records');
  if (records.length === 0) throw new UsageBatchError('"records" is empty');
  if (records.length > MAX_USAGE_BATCH) {
    throw new UsageBatchError(`a batch holds at most ${MAX_USAGE_BATCH} records; this one has ${records.length}`);
  }
  const valid: IndexedRecord[] = [];
  const rejected: RejectedRecord[] = [];
  records.forEach((raw, index) => {
    const parsed = usageRecordSchema.safeParse(raw);
    if (parsed.success) {
      valid.push({ index, record: parsed.data });
      return;
    }
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path.length > 0 ? issue.path.join(".") : "record";
      fields[field] ??= issue.path.length > 0 ? issue.message : "a JSON object";
    }
    const rawId = typeof raw === "object" && raw !== null ? (raw as { id?: unknown }).id : undefined;
    rejected.push({
      index,
      id: typeof rawId === "string" ? rawId.slice(0, 200) : null,
      reason: "invalid_record",
      message: Object.entries(fields).map(([f, m]) => `${f}: ${m}`).join("; "),
      fields,
    });
  });
  return { valid, rejected };
}
