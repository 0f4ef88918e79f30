import { translator, type Locale } from "../i18n.ts";
import { formatDecimal, formatUsd } from "../ledger/money.ts";
import type { Block, ButtonSpec, Reply } from "../reply.ts";
import { formatMoney, formatRate } from "../fx/currency.ts";
import { bonusToCredit } from "../topups/bonusToCredit.ts";
import { explorerUrl } from "../topups/explorer.ts";
import { findMethod, type MethodsConfig } from "../methods/paymentMethods.ts";
import type { Order } from "../topups/order.ts";
import { statusKey } from "../topups/orderStatus.ts";
import { displayPayAddress } from "../topups/paymentTarget.ts";
import { principalToCredit } from "../topups/principalToCredit.ts";
import { verdictBlocks } from "./verdictBlocks.ts";

export interface CardOptions {
  methods: MethodsConfig;
  locale: Locale;
  /** Other orders whose proof carries the same screenshot. */
  sameScreenshot?: string[];
}

/** A preset's face value and discount, and for another currency what to receive in it and at what rate. */
function pricingFields(order: Order, t: ReturnType<typeof translator>): { label: string; value: string }[] {
  const fields: { label: string; value: string }[] = [];
  if (order.presetAmount !== null) {
    fields.push({ label: t("pricing.card.preset"), value: t("pricing.card.preset_value", { preset: formatUsd(order.presetAmount), discount: formatUsd(order.discountAmount ?? 0n) }) });
  }
  if (order.payAmount !== null && order.fxRate !== null) {
    fields.push(
      { label: t("pricing.card.pay_amount", { currency: order.currency }), value: formatMoney(order.currency, order.payAmount) },
      { label: t("pricing.card.rate"), value: t("pricing.card.rate_value", { rate: formatRate(order.fxRate), currency: order.currency }) },
    );
  }
  return fields;
}

/**
 * The card support sees in the support channel: everything needed to decide, and Confirm /
 * Reject buttons while the order waits. A decided card has no buttons and says who decided.
 */
export function orderCard(order: Order, options: CardOptions): Reply {
  const t = translator(options.locale);
  const method = findMethod(options.methods, order.methodId);
  const verdict = order.verdict;
  const verifiedAmount = verdict?.receiptFound ? BigInt(verdict.amountMicros) : null;
  const principal = order.confirmedPrincipal ?? principalToCredit(order);
  const bonus = order.confirmedBonus ?? bonusToCredit(order, principal);
  const { status } = order;

  const blocks: Block[] = [
    { type: "header", text: t("topups.card.title", { order: order.orderNo }) },
    {
      type: "fields",
      fields: [
        { label: t("topups.card.account"), value: order.accountId },
        { label: t("topups.card.method"), value: method?.label[options.locale] ?? method?.label.en ?? order.methodId },
        { label: t("topups.card.requested"), value: formatUsd(order.requestedAmount) },
        ...pricingFields(order, t),
        ...(order.methodKind === "usdt" && order.instructedAmount !== order.requestedAmount ? [{ label: t("topups.card.instructed"), value: `${formatDecimal(order.instructedAmount)} USDT` }] : []),
        ...(order.attribution === "per-account-address" && order.payAddress && method?.kind === "usdt" ? [{ label: t("topups.card.pay_address"), value: displayPayAddress(order, method) }] : []),
        { label: t("topups.card.verified"), value: verifiedAmount === null ? t("topups.card.not_verified") : formatUsd(verifiedAmount) },
        { label: t("topups.card.bonus"), value: formatUsd(bonus) },
        { label: t("topups.card.status"), value: t(statusKey(status)) },
      ],
    },
  ];
  if (order.txHash) {
    const url = explorerUrl(method, order.txHash);
    blocks.push({ type: "fields", fields: [{ label: t("topups.card.tx_hash"), value: order.txHash }] });
    if (url) blocks.push({ type: "link", label: t("topups.card.explorer"), url });
  }
  if (verdict) blocks.push(...verdictBlocks(verdict, t, { explorerLink: false }));
  else {
    if (method?.kind === "usdt" && method.rpcUrls.length === 0) blocks.push({ type: "context", text: t("topups.card.manual_review") });
    if (order.attribution === "none") blocks.push({ type: "context", text: t("chain.attribution.none") });
  }
  if (options.sameScreenshot?.length) blocks.push({ type: "context", text: `⚠️ ${t("topups.card.same_screenshot", { orders: options.sameScreenshot.join(", ") })}` });
  if (order.reviewNote) blocks.push({ type: "context", text: `⚠️ ${order.reviewNote}` });
  if (order.screenshotSha256 && order.screenshotMime) {
    blocks.push({ type: "image", sha256: order.screenshotSha256, mime: order.screenshotMime, alt: t("topups.card.screenshot") });
  }

  if (status === "submitted") {
    const buttons: ButtonSpec[] = [
      {
        label: t("topups.card.confirm"),
        style: "primary",
        command: "confirm",
        args: { order: order.orderNo },
        confirm: {
          title: t("topups.card.confirm_title"),
          text: t("topups.card.confirm_text", { order: order.orderNo, principal: formatUsd(principal), bonus: formatUsd(bonus) }),
          confirm: t("topups.card.confirm"),
          deny: t("common.back"),
        },
      },
      { label: t("topups.card.reject"), style: "danger", command: "reject", args: { order: order.orderNo } },
    ];
    if (method?.kind === "usdt" && method.rpcUrls.length > 0) {
      buttons.push({ label: t("topups.card.recheck"), style: "default", command: "recheck", args: { order: order.orderNo } });
    }
    blocks.push({ type: "buttons", buttons });
  } else {
    const decidedBy = order.decidedByType === "system" ? t("topups.card.automatic") : (order.decidedById ?? "?");
    const outcome =
      status === "confirmed"
        ? t("topups.card.outcome_confirmed", { by: decidedBy, principal: formatUsd(order.confirmedPrincipal ?? 0n), bonus: formatUsd(order.confirmedBonus ?? 0n) })
        : status === "rejected"
          ? t("topups.card.outcome_rejected", { by: decidedBy, reason: t(`topups.reject_reason.${order.rejectReason ?? "other"}`), note: order.rejectNote ?? "" })
          : t(statusKey(status));
    blocks.push({ type: "divider" }, { type: "text", text: outcome });
  }
  return { blocks, summary: t("topups.card.summary", { order: order.orderNo, amount: formatUsd(order.requestedAmount), status: t(statusKey(status)) }) };
}
