import { recordAudit } from "../audit/recordAudit.ts";
import { UserError } from "../errors.ts";
import type { Services } from "../services.ts";
import { refuseOwnAccount } from "../topups/confirmTopup.ts";
import { deciderLabel, type Decider } from "../topups/decider.ts";
import { Refusal, refuse } from "../topups/refusal.ts";
import { alreadyDecided, findRefund, lockRefund } from "./findRefund.ts";
import { messageCustomer, updateRefundCard } from "./refundOutbox.ts";
import { updateRefund, type Refund } from "./refundRequest.ts";

export interface RejectRefundInput {
  refundRef: string;
  /** Why, in words the customer will read. */
  reason: string;
  decider: Decider;
}

const ACTION = "refund.reject";

/** Support rejects a pending refund request with a reason: nothing moves, the customer is told why. */
export async function rejectRefund(services: Services, input: RejectRefundInput): Promise<Refund> {
  const { decider } = input;
  const reason = input.reason.trim();
  if (!reason) throw new UserError("errors.required", { field: "reason" }, "reason");
  const found = await findRefund(services.prisma, input.refundRef);
  const refs = { accountId: found.accountId };
  await refuseOwnAccount(services, decider, ACTION, found.accountId, refs);
  try {
    return await services.prisma.$transaction(async (tx) => {
      const refund = await lockRefund(tx, found.id);
      if (refund.status !== "pending") throw alreadyDecided(refund);
      const rejected = await updateRefund(tx, refund.id, {
        status: "rejected",
        rejectReason: reason,
        decidedAt: services.now(),
        decidedByType: decider.type,
        decidedById: deciderLabel(decider),
      });
      await recordAudit(tx, {
        actorType: decider.type,
        actorId: decider.userId,
        platform: decider.platform,
        action: ACTION,
        outcome: "ok",
        accountId: refund.accountId,
        detail: { refund: refund.refundNo, reason },
      });
      await messageCustomer(tx, rejected, "rejected");
      await updateRefundCard(tx, rejected);
      return rejected;
    });
  } catch (err) {
    if (err instanceof Refusal) return refuse(services, decider, ACTION, err.reason, err.error, refs);
    throw err;
  }
}
