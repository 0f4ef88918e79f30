import { recordAudit } from "../audit/recordAudit.ts";
import { UserError } from "../errors.ts";
import type { PostingResult } from "../ledger/postEntries.ts";
import { countPosted } from "../metrics.ts";
import type { Services } from "../services.ts";
import type { Decider } from "../topups/decider.ts";
import { Refusal } from "../topups/refusal.ts";
import { updateAdjustment, type Adjustment } from "./adjustment.ts";
import { updateAdjustmentCard } from "./adjustmentCardOutbox.ts";
import { findAdjustment, lockAdjustment } from "./findAdjustment.ts";
import { notPendingError } from "./notPending.ts";
import { accountOfMember } from "./refuseOwnAccount.ts";
import { isRequester } from "./sameSupportMember.ts";
import { refuseAction } from "./supportRefusal.ts";
import { belowZeroError, isBelowZero, writeAdjustment } from "./writeAdjustment.ts";

const ACTION = "adjustment.approve";

/**
 * A second support member approves a waiting adjustment: it is written then, exactly once, however
 * many approve it at once (the request row is locked, and the posting's key is the request's).
 * The requester's own approval, from any of their identities, is refused and recorded.
 */
export async function approveAdjustment(services: Services, input: { ref: string; approver: Decider }): Promise<{ adjustment: Adjustment; posting: PostingResult }> {
  const found = await findAdjustment(services.prisma, input.ref);
  const { approver } = input;
  const refs = { accountId: found.accountId, detail: { adjustment: found.adjustmentNo, amount: found.amount.toString(), bucket: found.bucket } };
  if (await isRequester(services, found, approver)) {
    await refuseAction(services, approver, ACTION, "own_request", new UserError("support_tools.errors.own_request", { adjustment: found.adjustmentNo }), refs);
  }
  if ((await accountOfMember(services, approver)) === found.accountId) {
    await refuseAction(services, approver, ACTION, "own_account", new UserError("support_tools.errors.own_account"), refs);
  }
  try {
    const result = await services.prisma.$transaction(async (tx) => {
      const adjustment = await lockAdjustment(tx, found.id);
      if (adjustment.status !== "pending") throw new Refusal(`status_${adjustment.status}`, notPendingError(adjustment));
      let posting: PostingResult;
      try {
        posting = await writeAdjustment(tx, services, adjustment);
      } catch (err) {
        if (isBelowZero(err)) throw new Refusal("below_zero", await belowZeroError(tx, adjustment));
        throw err;
      }
      const approved = await updateAdjustment(tx, adjustment.id, {
        status: "approved",
        postingId: posting.postingId,
        decidedAt: services.now(),
        decidedByPlatform: approver.platform ?? null,
        decidedByWorkspace: approver.workspaceId ?? null,
        decidedById: approver.userId ?? null,
        decidedByName: approver.displayName ?? null,
      });
      await recordAudit(tx, {
        actorType: "support",
        actorId: approver.userId,
        platform: approver.platform,
        action: ACTION,
        outcome: "ok",
        accountId: approved.accountId,
        detail: { ...refs.detail, reason: approved.reason, requestedBy: approved.requestedById },
      });
      await updateAdjustmentCard(tx, approved);
      return { adjustment: approved, posting };
    });
    countPosted(result.posting);
    return result;
  } catch (err) {
    if (err instanceof Refusal) return refuseAction(services, approver, ACTION, err.reason, err.error, refs);
    throw err;
  }
}
