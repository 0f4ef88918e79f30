import type { Bucket, BucketBalances } from "./types.ts";

/**
 * Splits a debit across buckets in spending order: each bucket gives what it holds, and what is
 * left falls on the last bucket (usage that already happened is recorded even past zero).
 * Returns the negative amount taken from each bucket, skipping buckets it does not touch.
 */
export function splitDebit(
  debit: bigint,
  balances: BucketBalances,
  order: readonly Bucket[],
): { bucket: Bucket; amount: bigint }[] {
  if (debit <= 0n) throw new RangeError("a debit is a positive amount");
  if (order.length === 0) throw new RangeError("the spending order names no bucket");
  const parts: { bucket: Bucket; amount: bigint }[] = [];
  let left = debit;
  order.forEach((bucket, i) => {
    if (left === 0n) return;
    const last = i === order.length - 1;
    const available = balances[bucket] > 0n ? balances[bucket] : 0n;
    const take = last ? left : available < left ? available : left;
    if (take > 0n) parts.push({ bucket, amount: -take });
    left -= take;
  });
  return parts;
}
