import { timeToken } from "../core/markup.ts";
import { translator, type Locale } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import type { Block, Reply } from "../reply.ts";
import type { Adjustment } from "../support/adjustment.ts";

/**
 * The card of an adjustment or voucher waiting for a second support member: what it writes, on
 * which account and bucket, why, and who asked, with Approve / Decline. Once decided the buttons
 * go and the card says who decided.
 */
export function adjustmentCard(adjustment: Adjustment, options: { locale: Locale; threshold: bigint }): Reply {
  const t = translator(options.locale);
  const type = t(`ledger.type.${adjustment.entryType}`);
  const amount = formatUsd(adjustment.amount);
  const bucket = t(`balance.${adjustment.bucket}`);
  const requester = personLabel(adjustment.requestedByName, adjustment.requestedById);
  const blocks: Block[] = [
    { type: "header", text: t("support_tools.card.title", { type, adjustment: adjustment.adjustmentNo }) },
    {
      type: "fields",
      fields: [
        { label: t("support_tools.card.account"), value: adjustment.accountId },
        { label: t("support_tools.card.amount"), value: amount },
        { label: t("support_tools.card.bucket"), value: bucket },
        { label: t("support_tools.card.requested_by"), value: `${requester} · ${timeToken(adjustment.createdAt)}` },
        { label: t("support_tools.card.status"), value: t(`support_tools.status.${adjustment.status}`) },
      ],
    },
    { type: "text", text: t("support_tools.card.reason", { reason: adjustment.reason }) },
  ];
  if (adjustment.status === "pending") {
    blocks.push(
      { type: "context", text: t("support_tools.card.four_eyes", { threshold: formatUsd(options.threshold) }) },
      {
        type: "buttons",
        buttons: [
          {
            label: t("support_tools.card.approve"),
            style: "primary",
            command: "adjust-decide",
            args: { request: adjustment.adjustmentNo, decision: "approve" },
            confirm: {
              title: t("support_tools.card.approve_title"),
              text: t("support_tools.card.approve_text", { amount, bucket, account: adjustment.accountId }),
              confirm: t("support_tools.card.approve"),
              deny: t("common.back"),
            },
          },
          { label: t("support_tools.card.decline"), style: "danger", command: "adjust-decide", args: { request: adjustment.adjustmentNo, decision: "decline" } },
        ],
      },
    );
  } else {
    const by = personLabel(adjustment.decidedByName, adjustment.decidedById ?? "?");
    blocks.push({ type: "divider" }, { type: "text", text: t(`support_tools.card.outcome_${adjustment.status}`, { by, amount, bucket }) });
  }
  return { blocks, summary: t("support_tools.card.summary", { type, adjustment: adjustment.adjustmentNo, amount, status: t(`support_tools.status.${adjustment.status}`) }) };
}

function personLabel(name: string | null, id: string): string {
  return name && name !== id ? `${name} (${id})` : id;
}
