import type { CodeBatch } from "../codes/batch.ts";
import { formatDecimal } from "../ledger/money.ts";

export const CODES_CSV_COLUMNS = ["batch", "number", "code", "amount_usd", "uses_per_code", "expires_at", "eligibility"] as const;

/** The file name a batch's codes are exported under. */
export function codesCsvName(batch: CodeBatch): string {
  return `redemption-codes-${batch.batchNo}.csv`;
}

function eligibilityCell(batch: CodeBatch): string {
  if (batch.eligibility === "new") return `new accounts (${batch.newAccountDays} days)`;
  if (batch.eligibility === "listed") return `listed accounts (${batch.accountIds.length})`;
  return "any account";
}

/**
 * A batch's codes as CSV, one row per code in batch order: the only copy of them there will ever
 * be. Every cell is made here of our own alphabet, digits and dates (no free text), so nothing in
 * it can be read as a spreadsheet formula.
 */
export function codesCsv(batch: CodeBatch, codes: readonly string[]): string {
  const common = [formatDecimal(batch.amount).replace(/,/g, ""), String(batch.usesPerCode), batch.expiresAt.toISOString(), eligibilityCell(batch)];
  const lines = [CODES_CSV_COLUMNS.join(",")];
  codes.forEach((code, i) => lines.push([batch.batchNo, String(i + 1), code, ...common.map((c) => (c.includes(",") ? `"${c}"` : c))].join(",")));
  return lines.join("\n") + "\n";
}
