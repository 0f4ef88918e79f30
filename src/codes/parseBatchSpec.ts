import { UserError } from "../errors.ts";
import { parseAmount, formatUsd, MICROS_PER_USD } from "../ledger/money.ts";
import type { Eligibility } from "./batch.ts";

/** Past these, a batch is a mistake (or a risk) more likely than a campaign. */
export const MAX_CODE_AMOUNT = 1_000n * MICROS_PER_USD;
export const MAX_CODE_COUNT = 10_000;
export const MAX_USES_PER_CODE = 100_000;
export const MAX_EXPIRY_DAYS = 3650;
export const DEFAULT_EXPIRY_DAYS = 30;
export const MAX_LISTED_ACCOUNTS = 100;

/** What support asked for, as typed (chat options or CLI flags). */
export interface BatchSpecInput {
  amount?: string;
  count?: string;
  expires?: string;
  uses?: string;
  eligible?: string;
  note?: string;
}

export interface BatchSpec {
  amount: bigint;
  count: number;
  usesPerCode: number;
  expiresAt: Date;
  eligibility: Eligibility;
  accountIds: string[];
  note: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;
const PRINTABLE = /^[^\p{Cc}\u202A-\u202E\u2066-\u2069]*$/u;

function wholeNumber(text: string | undefined, fallback: number | undefined, min: number, max: number, key: string, field: string): number {
  if (text === undefined || text.trim() === "") {
    if (fallback === undefined) throw new UserError(key, { min, max }, field);
    return fallback;
  }
  const value = /^\d{1,9}$/.test(text.trim().replace(/,/g, "")) ? Number(text.trim().replace(/,/g, "")) : NaN;
  if (!(value >= min && value <= max)) throw new UserError(key, { min, max, value: text.slice(0, 40) }, field);
  return value;
}

/**
 * When a batch expires: a number of days ("30", "30d"), of hours ("12h"), or a date (valid through
 * that whole day, UTC) or an ISO time; in the future, and at most MAX_EXPIRY_DAYS away.
 */
export function parseExpiry(text: string | undefined, now: Date): Date {
  const value = text?.trim().toLowerCase();
  let at: Date;
  if (!value) at = new Date(now.getTime() + DEFAULT_EXPIRY_DAYS * DAY_MS);
  else if (/^\d{1,4}d?$/.test(value)) at = new Date(now.getTime() + Number(value.replace("d", "")) * DAY_MS);
  else if (/^\d{1,5}h$/.test(value)) at = new Date(now.getTime() + Number(value.slice(0, -1)) * 3_600_000);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(value)) at = new Date(Date.parse(`${value}T00:00:00Z`) + DAY_MS);
  else if (/^\d{4}-\d{2}-\d{2}t\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(z|[+-]\d{2}:\d{2})$/.test(value)) at = new Date(Date.parse(value.toUpperCase()));
  else at = new Date(NaN);
  if (Number.isNaN(at.getTime()) || at.getTime() <= now.getTime() || at.getTime() > now.getTime() + MAX_EXPIRY_DAYS * DAY_MS) {
    throw new UserError("codes.errors.expires", { value: (text ?? "").slice(0, 40), max: MAX_EXPIRY_DAYS }, "expires");
  }
  return at;
}

/** new | any | account ids, comma-separated (those accounts only). */
export function parseEligibility(text: string | undefined): { eligibility: Eligibility; accountIds: string[] } {
  const value = text?.trim().toLowerCase() ?? "any";
  if (value === "" || value === "any" || value === "all") return { eligibility: "any", accountIds: [] };
  if (value === "new") return { eligibility: "new", accountIds: [] };
  const ids = [...new Set(value.split(/[\s,]+/).filter(Boolean))];
  if (ids.length === 0 || ids.length > MAX_LISTED_ACCOUNTS || !ids.every((id) => UUID.test(id))) {
    throw new UserError("codes.errors.eligible", { value: value.slice(0, 60), max: MAX_LISTED_ACCOUNTS }, "eligible");
  }
  return { eligibility: "listed", accountIds: ids };
}

/** Checks everything a batch needs that can be checked without the database. */
export function parseBatchSpec(input: BatchSpecInput, now: Date): BatchSpec {
  if (!input.amount) throw new UserError("codes.errors.amount_required", {}, "amount");
  const amount = parseAmount(input.amount);
  if (amount > MAX_CODE_AMOUNT) throw new UserError("codes.errors.amount_max", { max: formatUsd(MAX_CODE_AMOUNT) }, "amount");
  const count = wholeNumber(input.count, undefined, 1, MAX_CODE_COUNT, "codes.errors.count", "count");
  const usesPerCode = wholeNumber(input.uses, 1, 1, MAX_USES_PER_CODE, "codes.errors.uses", "uses");
  const expiresAt = parseExpiry(input.expires, now);
  const { eligibility, accountIds } = parseEligibility(input.eligible);
  const note = input.note?.trim() || null;
  if (note !== null && (note.length > 200 || !PRINTABLE.test(note))) throw new UserError("codes.errors.note", { max: 200 }, "note");
  return { amount, count, usesPerCode, expiresAt, eligibility, accountIds, note };
}
