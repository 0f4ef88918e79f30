import { recordAudit } from "../audit/recordAudit.ts";
import { Prisma } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { enqueue } from "../notify/outbox.ts";
import type { Services } from "../services.ts";
import { updateSupportCard } from "./cardOutbox.ts";
import { refuseOwnAccount } from "./confirmTopup.ts";
import { orderMessageOutbox } from "./customerMessages.ts";
import { deciderLabel, type Decider } from "./decider.ts";
import { findOrder, lockOrder } from "./findOrder.ts";
import { assertTransition } from "./orderStatus.ts";
import { Refusal, refuse } from "./refusal.ts";
import { updateOrder } from "./order.ts";

/**
 * Support takes back a rejection: the order goes back to review with the proof it had (its hash
 * stays bound to it), the watcher checks its transaction again, the card gets its buttons back
 * and the customer is told. Audited; never on the decider's own account.
 */
export async function reopenOrder(services: Services, input: { orderRef: string; decider: Decider }) {
  const found = await findOrder(services.prisma, input.orderRef);
  const refs = { orderId: found.id, accountId: found.accountId };
  await refuseOwnAccount(services, input.decider, "topup.reopen", found.accountId, refs);
  try {
    return await services.prisma.$transaction(async (tx) => {
      const order = await lockOrder(tx, found.id);
      try {
        assertTransition(order.status, "submitted", order.orderNo, ["rejected"]);
      } catch (err) {
        throw new Refusal(`status_${order.status}`, err as UserError);
      }
      const reopened = await updateOrder(tx, order.id, {
          status: "submitted",
          rejectReason: null,
          rejectNote: null,
          decidedAt: null,
          decidedByType: null,
          decidedById: null,
          reviewNote: null,
          // The watcher verifies the transaction again from scratch.
          verdict: Prisma.DbNull,
          verifiedAt: null,
        });
      await recordAudit(tx, {
        actorType: input.decider.type,
        actorId: input.decider.userId,
        platform: input.decider.platform,
        action: "topup.reopen",
        outcome: "ok",
        ...refs,
        detail: { previousReason: order.rejectReason, previousNote: order.rejectNote, by: deciderLabel(input.decider) },
      });
      await enqueue(tx, { ...orderMessageOutbox(reopened, { kind: "reopened" }), dedupeKey: `order:${order.id}:dm:reopened:${services.now().getTime()}` });
      await updateSupportCard(tx, reopened, `reopened:${services.now().getTime()}`);
      return reopened;
    });
  } catch (err) {
    if (err instanceof Refusal) return refuse(services, input.decider, "topup.reopen", err.reason, err.error, refs);
    throw err;
  }
}
