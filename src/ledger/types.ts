export const BUCKETS = ["principal", "bonus", "trial", "promo"] as const;
export type Bucket = (typeof BUCKETS)[number];

export const ENTRY_TYPES = [
  "trial_credit",
  "usdt_topup",
  "topup_bonus",
  "api_usage",
  "admin_adjustment",
  "redemption_credit",
  "referral_reward",
  "voucher",
  "refund",
  "bonus_reversal",
] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

export type ActorType = "customer" | "support" | "system";
export interface Actor {
  type: ActorType;
  /** The chat user id, support member id, or process name. */
  id?: string;
}

/** The order in which api_usage spends buckets, so that unused principal stays refundable. */
export const DEFAULT_SPENDING_ORDER: readonly Bucket[] = ["trial", "promo", "bonus", "principal"];

/** Buckets that can be spent but never paid back. */
export const NON_REFUNDABLE_BUCKETS: readonly Bucket[] = ["bonus", "promo", "trial"];

export type BucketBalances = Record<Bucket, bigint>;

export function emptyBalances(): BucketBalances {
  return { principal: 0n, bonus: 0n, trial: 0n, promo: 0n };
}

export function totalOf(balances: BucketBalances): bigint {
  return balances.principal + balances.bonus + balances.trial + balances.promo;
}
