import { recordAudit } from "../audit/recordAudit.ts";
import type { Caller } from "../core/command.ts";
import { UserError } from "../errors.ts";
import type { Services } from "../services.ts";
import { findOrder, lockOrder } from "./findOrder.ts";
import { assertTransition } from "./orderStatus.ts";
import { updateOrder } from "./order.ts";

/** A customer cancels their own order while it still waits for payment. */
export async function cancelOrder(services: Services, args: { accountId: string; caller: Caller; orderRef: string }) {
  const found = await findOrder(services.prisma, args.orderRef, { accountId: args.accountId });
  return services.prisma.$transaction(async (tx) => {
    const order = await lockOrder(tx, found.id);
    const { status } = order;
    if (status === "pending" && order.expiresAt <= services.now()) throw new UserError("errors.order_expired", { order: order.orderNo }, "order");
    if (status === "submitted") throw new UserError("errors.order_in_review", { order: order.orderNo }, "order");
    assertTransition(status, "cancelled", order.orderNo);
    const cancelled = await updateOrder(tx, order.id, { status: "cancelled" });
    await recordAudit(tx, {
      actorType: "customer",
      actorId: args.caller.userId,
      platform: args.caller.platform,
      action: "topup.cancel",
      outcome: "ok",
      orderId: order.id,
      accountId: order.accountId,
    });
    return cancelled;
  });
}
