import { recordAudit } from "../audit/recordAudit.ts";
import { enqueue } from "../notify/outbox.ts";
import type { Services } from "../services.ts";
import { orderMessageOutbox } from "./customerMessages.ts";
import { lockOrder } from "./findOrder.ts";
import { updateOrder } from "./order.ts";

/** Expires pending orders past their deadline and tells each customer. Returns how many expired. */
export async function expireOrders(services: Services, limit = 200): Promise<number> {
  const now = services.now();
  const due = await services.prisma.topupOrder.findMany({
    where: { status: "pending", expiresAt: { lte: now } },
    select: { id: true },
    orderBy: { expiresAt: "asc" },
    take: limit,
  });
  let expired = 0;
  for (const { id } of due) {
    const done = await services.prisma.$transaction(async (tx) => {
      const order = await lockOrder(tx, id);
      if (order.status !== "pending" || order.expiresAt > now) return false;
      const updated = await updateOrder(tx, id, { status: "expired" });
      await recordAudit(tx, { actorType: "system", actorId: "expiry", action: "topup.expire", outcome: "ok", orderId: id, accountId: order.accountId });
      await enqueue(tx, orderMessageOutbox(updated, { kind: "expired" }));
      return true;
    });
    if (done) expired++;
  }
  return expired;
}
