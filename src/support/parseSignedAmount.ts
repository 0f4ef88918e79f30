import { UserError } from "../errors.ts";
import { parseAmount } from "../ledger/money.ts";
import { BUCKETS, type Bucket } from "../ledger/types.ts";

/** The most one adjustment or voucher moves: $1,000,000 (anything larger is a typo, or worse). */
export const MAX_GRANT = 1_000_000_000_000n;

/**
 * Support's signed amount ("+25", "-7.5", "−7.5", "25"): micro-USD, negative for a debit. The
 * magnitude follows the customer's amount rules (no exponents, at most 6 decimals, not zero).
 */
export function parseSignedAmount(input: string, field = "amount"): bigint {
  const text = input.trim();
  const sign = /^[-−–]/.test(text) ? -1n : 1n;
  const magnitude = parseAmount(text.replace(/^[-−–+]\s*/, ""), field);
  if (magnitude > MAX_GRANT) throw new UserError("support_tools.errors.amount_too_large", { max: "$1,000,000" }, field);
  return sign * magnitude;
}

/** A bucket as support types it ("Principal", "promo"). */
export function parseBucket(input: string, field = "bucket"): Bucket {
  const text = input.trim().toLowerCase();
  const bucket = BUCKETS.find((b) => b === text);
  if (!bucket) throw new UserError("support_tools.errors.bucket", {}, field);
  return bucket;
}
