import { resolveLocale, translator } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import type { Reply } from "../reply.ts";
import type { OrderEvent } from "../topups/customerMessages.ts";
import type { Order } from "../topups/order.ts";

/** The direct message a customer gets about an order, in the language they used to create it. */
export function orderMessage(order: Order, event: OrderEvent): Reply {
  const t = translator(resolveLocale(order.locale));
  let text: string;
  if (event.kind === "confirmed") {
    const total = (order.confirmedPrincipal ?? 0n) + (order.confirmedBonus ?? 0n);
    text = t(event.automatic ? "topups.dm.confirmed_auto" : "topups.dm.confirmed", {
      order: order.orderNo,
      principal: formatUsd(order.confirmedPrincipal ?? 0n),
      bonus: formatUsd(order.confirmedBonus ?? 0n),
      total: formatUsd(total),
    });
  } else if (event.kind === "rejected") {
    text = t("topups.dm.rejected", {
      order: order.orderNo,
      reason: t(`topups.reject_reason.${order.rejectReason ?? "other"}`),
      note: order.rejectNote ? t("topups.dm.rejected_note", { note: order.rejectNote }) : "",
      accountId: order.accountId,
    });
  } else if (event.kind === "reopened") {
    text = t("topups.dm.reopened", { order: order.orderNo });
  } else {
    text = t("topups.dm.expired", { order: order.orderNo });
  }
  return { blocks: [{ type: "text", text }], summary: text };
}
