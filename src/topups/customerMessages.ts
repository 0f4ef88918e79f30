import { translator, resolveLocale } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import type { Reply } from "../reply.ts";
import type { OutboxInput } from "../notify/outbox.ts";
import type { Order } from "./order.ts";
import type { Platform } from "../core/command.ts";

/** The direct messages a customer gets about an order, in the language they used to create it. */
export type OrderEvent =
  | { kind: "confirmed"; automatic: boolean }
  | { kind: "rejected" }
  | { kind: "reopened" }
  | { kind: "expired" };

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

export function orderMessageOutbox(order: Order, event: OrderEvent): OutboxInput {
  return {
    dedupeKey: `order:${order.id}:dm:${event.kind}`,
    platform: order.surface as Platform,
    kind: "dm",
    recipient: { type: "user", workspaceId: order.customerWorkspace, userId: order.customerUserId },
    payload: orderMessage(order, event),
  };
}
