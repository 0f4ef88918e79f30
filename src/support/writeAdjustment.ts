import type { Tx } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { formatUsd } from "../ledger/money.ts";
import { postEntries, readBalances, type PostingResult } from "../ledger/postEntries.ts";
import { afterBalanceChange } from "../notify/lowBalance.ts";
import type { Services } from "../services.ts";
import { adjustmentKey, type Adjustment } from "./adjustment.ts";

/**
 * The ledger posting of an adjustment, in the caller's transaction. Its content depends on the
 * request alone (not on who approves it), so a second approval that got past the row lock could
 * only replay it. The ledger refuses a debit that takes the bucket below zero.
 */
export async function writeAdjustment(tx: Tx, services: Services, adjustment: Adjustment): Promise<PostingResult> {
  const posting = await postEntries(tx, {
    idempotencyKey: adjustmentKey(adjustment.id),
    lines: [{ accountId: adjustment.accountId, type: adjustment.entryType, bucket: adjustment.bucket, amount: adjustment.amount }],
    actor: { type: "support", id: adjustment.requestedById },
    reference: adjustment.adjustmentNo,
    memo: adjustment.reason,
  });
  for (const movement of posting.accounts) await afterBalanceChange(tx, movement, { cause: adjustmentKey(adjustment.id), now: services.now() });
  return posting;
}

export function isBelowZero(err: unknown): err is UserError {
  return err instanceof UserError && err.key === "errors.insufficient_balance";
}

/** Says what the bucket holds, rather than the ledger's bare "insufficient balance". */
export async function belowZeroError(tx: Tx, adjustment: Pick<Adjustment, "accountId" | "bucket" | "amount">): Promise<UserError> {
  const balances = await readBalances(tx, adjustment.accountId);
  return new UserError(
    "support_tools.errors.below_zero",
    { bucket: adjustment.bucket, balance: formatUsd(balances[adjustment.bucket]), amount: formatUsd(adjustment.amount) },
    "amount",
  );
}
