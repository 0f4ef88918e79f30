import { recordAudit } from "../audit/recordAudit.ts";
import { UserError } from "../errors.ts";
import { enqueue } from "../notify/outbox.ts";
import type { Services } from "../services.ts";
import { updateSupportCard } from "./cardOutbox.ts";
import { orderMessageOutbox } from "./customerMessages.ts";
import { refuseOwnAccount } from "./confirmTopup.ts";
import { deciderLabel, type Decider } from "./decider.ts";
import { findOrder, lockOrder } from "./findOrder.ts";
import { assertTransition } from "./orderStatus.ts";
import { Refusal, refuse } from "./refusal.ts";
import { updateOrder } from "./order.ts";

export const REJECT_REASONS = ["wrong_network", "amount_mismatch", "not_found", "below_minimum", "duplicate", "other"] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface RejectInput {
  orderRef: string;
  decider: Decider;
  reason: RejectReason;
  note?: string;
}

/** Rejects a submitted top-up with a reason; the customer is told in their language. */
export async function rejectTopup(services: Services, input: RejectInput) {
  const note = input.note?.trim() || undefined;
  if (input.reason === "other" && !note) throw new UserError("errors.reject_note_required", {}, "note");
  const found = await findOrder(services.prisma, input.orderRef);
  const refs = { orderId: found.id, accountId: found.accountId };
  const { decider } = input;
  await refuseOwnAccount(services, decider, "topup.reject", found.accountId, refs);
  try {
    return await services.prisma.$transaction(async (tx) => {
      const order = await lockOrder(tx, found.id);
      try {
        assertTransition(order.status, "rejected", order.orderNo);
      } catch (err) {
        throw new Refusal(`status_${order.status}`, err as UserError);
      }
      const rejected = await updateOrder(tx, order.id, {
          status: "rejected",
          rejectReason: input.reason,
          rejectNote: note ?? null,
          decidedAt: services.now(),
          decidedByType: decider.type,
          decidedById: deciderLabel(decider),
        });
      await recordAudit(tx, {
        actorType: decider.type,
        actorId: decider.userId,
        platform: decider.platform,
        action: "topup.reject",
        outcome: "ok",
        ...refs,
        detail: { reason: input.reason, note: note ?? null },
      });
      await enqueue(tx, orderMessageOutbox(rejected, { kind: "rejected" }));
      await updateSupportCard(tx, rejected, "rejected");
      return rejected;
    });
  } catch (err) {
    if (err instanceof Refusal) return refuse(services, decider, "topup.reject", err.reason, err.error, refs);
    throw err;
  }
}
