import { z } from "zod";

/**
 * What the chain says about one transaction for one order, each check on its own so that support
 * sees exactly which one failed. It is stored as JSON on the order (bigints as decimal strings,
 * times ISO) and read back through `parseVerdict`, so every reader gets one typed shape.
 */

export const AMOUNT_VERDICTS = ["under_minimum", "less_than_requested", "exact", "more_than_requested"] as const;
export type AmountVerdict = (typeof AMOUNT_VERDICTS)[number];

export const AUTO_OUTCOMES = [
  /** The network does not auto-confirm: support decides. */
  "disabled",
  /** Everything passes but the confirmations: the watcher checks again. */
  "waiting_confirmations",
  /** All checks passed within the cap: credited without a click. */
  "eligible",
  "above_cap",
  /** Some check failed: support decides. */
  "not_passed",
  /** Every check passed, but nothing binds the payment to this order (attribution "none"): support decides. */
  "not_attributed",
  /** The RPC failed: nothing is confirmed until it answers (or a person decides). */
  "rpc_unavailable",
  /** The last look before crediting found the transaction gone, moved or failed: support decides. */
  "reorg_vanished",
  "reorg_moved",
  "reorg_failed",
  /** The confirm path refused (a log already credited, the order decided meanwhile). */
  "refused",
] as const;
export type AutoOutcome = (typeof AUTO_OUTCOMES)[number];

const decimal = z.string().regex(/^\d+$/);

export const transferLogSchema = z.object({
  logIndex: z.number().int(),
  /** The contract that emitted the log (lowercase 0x). */
  token: z.string(),
  from: z.string(),
  to: z.string(),
  /** Raw token units. */
  amountRaw: decimal,
});
export type TransferLog = z.infer<typeof transferLogSchema>;

export const rpcFailureSchema = z.object({
  kind: z.enum(["rpc_error", "timeout", "wrong_chain"]),
  /** Safe to show and store: hosts only, never a URL (URLs can carry API keys). */
  message: z.string(),
  expectedChainId: z.number().optional(),
  actualChainId: z.number().nullable().optional(),
});
export type RpcFailure = z.infer<typeof rpcFailureSchema>;

export const verdictConflictSchema = z.object({
  logIndex: z.number().int(),
  /** "credited": the log was already credited to that order; "matches_order": it is exactly that open order's amount. */
  kind: z.enum(["credited", "matches_order"]),
  orderNo: z.string(),
});
export type VerdictConflict = z.infer<typeof verdictConflictSchema>;

export const transferVerdictSchema = z.object({
  version: z.literal(1),
  network: z.string(),
  family: z.enum(["evm", "tron"]),
  chainId: z.number(),
  txHash: z.string(),
  /** The transaction on the network's explorer. */
  explorerUrl: z.string(),
  checkedAt: z.string(),
  /** Set when the RPC failed, timed out or is on the wrong chain: then nothing below is known. */
  error: rpcFailureSchema.nullable(),

  receiptFound: z.boolean(),
  /** Receipt status 1; null without a receipt. */
  succeeded: z.boolean().nullable(),
  blockNumber: z.number().nullable(),
  blockHash: z.string().nullable(),

  tokenContract: z.string(),
  depositAddress: z.string(),
  /** Some Transfer log of this transaction was emitted by the configured token contract. */
  tokenMatched: z.boolean(),
  /** Some Transfer log of the configured token went to the order's address. */
  recipientMatched: z.boolean(),
  /** The Transfer logs this order would be credited with. */
  transferLogs: z.array(transferLogSchema),
  matchedLogIndexes: z.array(z.number().int()),
  /** Transfer logs of this transaction that did not match (another token, another recipient, another order's): at most 10. */
  otherTransfers: z.array(transferLogSchema),

  decimals: z.number().int(),
  /** Sum of the matching logs in raw token units. */
  amountRaw: decimal,
  /** The same sum in micro-USD (1 token = 1 USD, rounded down to the micro). */
  amountMicros: decimal,
  /** What the order told the customer to pay (its instructed amount), micro-USD. */
  requestedAmount: decimal,
  minimum: decimal,
  /** Null when no log matched: there is no amount to judge. */
  amountVerdict: z.enum(AMOUNT_VERDICTS).nullable(),

  confirmations: z.number().nullable(),
  requiredConfirmations: z.number(),
  confirmationsOk: z.boolean(),

  blockTime: z.string().nullable(),
  /** The order's creation time less the configured skew: the block may not be older than this. */
  notBefore: z.string(),
  blockTimeOk: z.boolean().nullable(),

  /** Every check passed, the amount is exactly the order's, and confirmations are enough. */
  allPassed: z.boolean(),

  /** How the order was bound to its payment (set by the caller that knows the order). */
  attribution: z.enum(["unique-amount", "per-account-address", "none"]).optional(),
  /** Transfers of this transaction that belong to another order: never credited to this one. */
  conflicts: z.array(verdictConflictSchema).optional(),
  /** "detected": found by the log scan without a hash from the customer. */
  source: z.enum(["hash", "detected"]).optional(),

  /** Set by the watcher: whether it keeps re-checking this order. */
  watch: z.enum(["open", "settled"]).optional(),
  /** Set by the watcher: what automatic confirmation made of this verdict, for the card. */
  auto: z.object({ outcome: z.enum(AUTO_OUTCOMES), cap: decimal.optional() }).optional(),
});
export type TransferVerdict = z.infer<typeof transferVerdictSchema>;

/** A stored verdict, typed; null when there is none or it is not one this version can read. */
export function parseVerdict(stored: unknown): TransferVerdict | null {
  if (stored === null || stored === undefined) return null;
  const parsed = transferVerdictSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}
