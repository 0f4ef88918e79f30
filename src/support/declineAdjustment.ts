import { recordAudit } from "../audit/recordAudit.ts";
import { UserError } from "../errors.ts";
import type { Services } from "../services.ts";
import type { Decider } from "../topups/decider.ts";
import { Refusal } from "../topups/refusal.ts";
import { updateAdjustment, type Adjustment } from "./adjustment.ts";
import { updateAdjustmentCard } from "./adjustmentCardOutbox.ts";
import { findAdjustment, lockAdjustment } from "./findAdjustment.ts";
import { notPendingError } from "./notPending.ts";
import { accountOfMember } from "./refuseOwnAccount.ts";
import { refuseAction } from "./supportRefusal.ts";

const ACTION = "adjustment.decline";

/**
 * Declines a waiting adjustment: nothing is written, and the card says who declined it. The
 * requester may withdraw their own request; nobody declines one on their own account.
 */
export async function declineAdjustment(services: Services, input: { ref: string; decider: Decider }): Promise<Adjustment> {
  const found = await findAdjustment(services.prisma, input.ref);
  const { decider } = input;
  const refs = { accountId: found.accountId, detail: { adjustment: found.adjustmentNo, amount: found.amount.toString(), bucket: found.bucket } };
  if ((await accountOfMember(services, decider)) === found.accountId) {
    await refuseAction(services, decider, ACTION, "own_account", new UserError("support_tools.errors.own_account"), refs);
  }
  try {
    return await services.prisma.$transaction(async (tx) => {
      const adjustment = await lockAdjustment(tx, found.id);
      if (adjustment.status !== "pending") throw new Refusal(`status_${adjustment.status}`, notPendingError(adjustment));
      const declined = await updateAdjustment(tx, adjustment.id, {
        status: "declined",
        decidedAt: services.now(),
        decidedByPlatform: decider.platform ?? null,
        decidedByWorkspace: decider.workspaceId ?? null,
        decidedById: decider.userId ?? null,
        decidedByName: decider.displayName ?? null,
      });
      await recordAudit(tx, {
        actorType: "support",
        actorId: decider.userId,
        platform: decider.platform,
        action: ACTION,
        outcome: "ok",
        accountId: declined.accountId,
        detail: { ...refs.detail, reason: declined.reason, requestedBy: declined.requestedById },
      });
      await updateAdjustmentCard(tx, declined);
      return declined;
    });
  } catch (err) {
    if (err instanceof Refusal) return refuseAction(services, decider, ACTION, err.reason, err.error, refs);
    throw err;
  }
}
