import type { Tx } from "../db/index.ts";
import { UserError } from "../errors.ts";

/**
 * Refuses what a suspended account may not do (top up, redeem a code, ask for a refund), with the
 * message the customer sees everywhere. Call it in the transaction that writes, before writing.
 *
 * It takes no lock, on purpose: the ledger locks accounts in id order, and a lock taken here first
 * would invert that order for postings over two accounts. A suspension that commits while such a
 * transaction runs applies to the next request, which is what suspending promises.
 */
export async function assertActive(tx: Tx, accountId: string): Promise<void> {
  const account = await tx.account.findUnique({ where: { id: accountId }, select: { status: true } });
  if (!account) throw new UserError("errors.account_not_found", { id: accountId });
  if (account.status !== "active") throw new UserError("errors.account_suspended");
}
