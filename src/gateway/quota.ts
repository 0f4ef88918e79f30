/**
 * The gateway counts credit in quota units (one-api's QuotaPerUnit: 500,000 per USD by default);
 * the ledger in micro-USD. Conversions are integer arithmetic, rounded toward zero, so a change
 * is never more than the ledger moved: at the default rate one unit is 2 micro-USD, exact both ways.
 */
const MICROS_PER_USD = 1_000_000n;

export function microsToQuota(micros: bigint, quotaPerUsd: number): bigint {
  return (micros * BigInt(quotaPerUsd)) / MICROS_PER_USD;
}

/** A consumption log's quota as micro-USD, rounded half up: what the ledger debits for it. */
export function quotaToMicros(quota: bigint, quotaPerUsd: number): bigint {
  const perUsd = BigInt(quotaPerUsd);
  return (quota * MICROS_PER_USD + perUsd / 2n) / perUsd;
}
