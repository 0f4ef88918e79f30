import { resolveLocale, translator } from "../i18n.ts";
import { formatMoney, formatRate } from "../fx/currency.ts";
import { formatUsd } from "../ledger/money.ts";
import { discountToCredit } from "../topups/bonusToCredit.ts";
import type { Reply } from "../reply.ts";
import type { OrderEvent } from "../topups/customerMessages.ts";
import type { Order } from "../topups/order.ts";

/** What the customer paid in another currency, and the preset discount the bonus includes. */
function pricingNotes(order: Order, t: ReturnType<typeof translator>): string {
  const notes: string[] = [];
  if (order.payAmount !== null && order.fxRate !== null) {
    notes.push(t("pricing.dm.paid", { pay: formatMoney(order.currency, order.payAmount), rate: formatRate(order.fxRate), currency: order.currency }));
  }
  const discount = discountToCredit(order, order.confirmedPrincipal ?? 0n);
  if (discount > 0n && order.presetAmount !== null) notes.push(t("pricing.dm.discount", { discount: formatUsd(discount), preset: formatUsd(order.presetAmount) }));
  return notes.join(" ");
}

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
    const notes = pricingNotes(order, t);
    if (notes) text = `${text} ${notes}`;
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
