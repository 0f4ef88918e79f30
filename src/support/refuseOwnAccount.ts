import { findAccountOf } from "../accounts/resolveAccount.ts";
import { UserError } from "../errors.ts";
import type { Services } from "../services.ts";
import type { Decider } from "../topups/decider.ts";
import { refuseAction } from "./supportRefusal.ts";

/** The billing account behind a support member's chat identity, if it has one. */
export async function accountOfMember(services: Services, member: Decider): Promise<string | null> {
  if (!member.platform || !member.userId) return null;
  return findAccountOf(services, { platform: member.platform, workspaceId: member.workspaceId ?? "", userId: member.userId });
}

/**
 * No support member acts on their own account (credit, voucher, trial, suspension): compared by
 * account, so another identity linked to the same account is the same person. Recorded.
 */
export async function refuseOwnAccount(services: Services, member: Decider, action: string, accountId: string, detail?: Record<string, unknown>): Promise<void> {
  if ((await accountOfMember(services, member)) !== accountId) return;
  await refuseAction(services, member, action, "own_account", new UserError("support_tools.errors.own_account"), { accountId, detail });
}
