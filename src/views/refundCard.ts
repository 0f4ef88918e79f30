import { translator, type Locale, type Translator } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import { findMethod, type MethodsConfig } from "../methods/paymentMethods.ts";
import type { RefundCardData, RefundOrderInfo } from "../refunds/refundCardData.ts";
import type { RefundAllocation } from "../refunds/refundRequest.ts";
import type { Block, Reply } from "../reply.ts";

/**
 * The card support sees for a refund request: what is asked and why, what is refundable now, the
 * top-ups it pays back (with the payment each came from, to send the money back to) and the bonus
 * reversed with it; Approve and Reject while it waits. A decided card says what was done and by whom.
 */
export function refundCard(data: RefundCardData, options: { methods: MethodsConfig; locale: Locale }): Reply {
  const t = translator(options.locale);
  const { refund, state, preview } = data;
  const asked = refund.whole ? t("refunds.card.asked_whole", { amount: formatUsd(refund.requestedAmount) }) : formatUsd(refund.requestedAmount);
  const blocks: Block[] = [
    { type: "header", text: t("refunds.card.title", { refund: refund.refundNo }) },
    {
      type: "fields",
      fields: [
        { label: t("refunds.card.account"), value: refund.accountId },
        { label: t("refunds.card.customer"), value: `${refund.surface}:${refund.customerUserId}` },
        { label: t("refunds.card.asked"), value: asked },
        { label: t("refunds.card.status"), value: t(`refunds.status.${refund.status}`) },
      ],
    },
    { type: "text", text: t("refunds.card.reason", { reason: refund.reason }) },
  ];

  if (refund.status === "pending") {
    blocks.push({
      type: "fields",
      fields: [
        { label: t("refunds.card.refundable"), value: formatUsd(state.refundable) },
        { label: t("refunds.card.principal_balance"), value: formatUsd(state.principalBalance) },
        { label: t("refunds.card.outstanding"), value: formatUsd(state.outstanding) },
        ...(preview ? [{ label: t("refunds.card.bonus_to_reverse"), value: bonusText(t, preview.bonusReversed, preview.bonusDue) }] : []),
      ],
    });
    if (preview) blocks.push({ type: "text", text: ordersText(t, options, data.orders, preview.allocations) });
    else blocks.push({ type: "context", text: `⚠️ ${t("refunds.card.above_refundable", { refundable: formatUsd(state.refundable) })}` });
    blocks.push({ type: "context", text: t("refunds.card.approve_hint") });
    blocks.push({
      type: "buttons",
      buttons: [
        { label: t("refunds.card.approve"), style: "primary", command: "refund-approve", args: { request: refund.refundNo } },
        { label: t("refunds.card.reject"), style: "danger", command: "refund-reject", args: { request: refund.refundNo } },
      ],
    });
  } else {
    const by = refund.decidedById ?? "?";
    blocks.push({ type: "divider" });
    if (refund.status === "approved") {
      const principal = refund.refundedPrincipal ?? 0n;
      blocks.push({
        type: "text",
        text: t("refunds.card.outcome_approved", {
          by,
          principal: formatUsd(principal),
          reference: refund.paymentReference ?? "",
          bonus: bonusText(t, refund.reversedBonus ?? 0n, refund.bonusDue ?? 0n),
        }),
      });
      blocks.push({ type: "text", text: ordersText(t, options, data.orders, refund.allocations) });
    } else {
      blocks.push({ type: "text", text: t("refunds.card.outcome_rejected", { by, reason: refund.rejectReason ?? "" }) });
    }
  }
  return {
    blocks,
    summary: t("refunds.card.summary", { refund: refund.refundNo, amount: formatUsd(refund.requestedAmount), status: t(`refunds.status.${refund.status}`) }),
  };
}

function bonusText(t: Translator, reversed: bigint, due: bigint): string {
  if (reversed === due) return formatUsd(reversed);
  return t("refunds.card.bonus_partly_spent", { bonus: formatUsd(reversed), due: formatUsd(due), spent: formatUsd(due - reversed) });
}

/** One line per top-up paid back: how much of its principal, and the payment it came from. */
function ordersText(t: Translator, options: { methods: MethodsConfig; locale: Locale }, orders: RefundOrderInfo[], allocations: RefundAllocation[]): string {
  const byNo = new Map(orders.map((o) => [o.orderNo, o]));
  const lines = allocations.map((a) => {
    const order = byNo.get(a.orderNo);
    const method = order && findMethod(options.methods, order.methodId);
    return t("refunds.card.order_line", {
      order: a.orderNo,
      principal: formatUsd(a.principal),
      paid: formatUsd(order?.confirmedPrincipal ?? 0n),
      bonus: formatUsd(a.bonus),
      method: method?.label[options.locale] ?? method?.label.en ?? order?.methodId ?? "?",
      payment: order?.txHash ?? "—",
    });
  });
  return [t("refunds.card.orders"), ...lines].join("\n");
}
