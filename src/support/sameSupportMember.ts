import { findAccountOf } from "../accounts/resolveAccount.ts";
import type { Platform } from "../reply.ts";
import type { Services } from "../services.ts";
import type { Decider } from "../topups/decider.ts";
import type { Adjustment } from "./adjustment.ts";
import { accountOfMember } from "./refuseOwnAccount.ts";

/**
 * Four eyes: is the member deciding the one who asked? The same chat identity is; so is another
 * identity of the same billing account, whether the requester had that account when they asked
 * or linked it since.
 */
export async function isRequester(services: Services, adjustment: Adjustment, member: Decider): Promise<boolean> {
  const requester = { platform: adjustment.surface as Platform, workspaceId: adjustment.requestedByWorkspace, userId: adjustment.requestedById };
  if (member.platform === requester.platform && (member.workspaceId ?? "") === requester.workspaceId && member.userId === requester.userId) return true;
  const memberAccount = await accountOfMember(services, member);
  if (!memberAccount) return false;
  if (adjustment.requestedByAccount === memberAccount) return true;
  return (await findAccountOf(services, requester)) === memberAccount;
}
