import { resolveLocale, translator, type Translator } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import type { RefundEvent } from "../refunds/refundOutbox.ts";
import type { Refund } from "../refunds/refundRequest.ts";
import type { Reply } from "../reply.ts";

/** The direct message a customer gets about their refund request, in the language they asked in. */
export function refundMessage(refund: Refund, event: RefundEvent): Reply {
  const t = translator(resolveLocale(refund.locale));
  const text =
    event === "approved"
      ? [
          t("refunds.dm.approved", { refund: refund.refundNo, principal: formatUsd(refund.refundedPrincipal ?? 0n), reference: refund.paymentReference ?? "" }),
          bonusSentence(t, refund.reversedBonus ?? 0n, refund.bonusDue ?? 0n),
          refund.allocations.some((a) => a.fullyRefunded)
            ? t("refunds.dm.orders_refunded", { orders: refund.allocations.filter((a) => a.fullyRefunded).map((a) => a.orderNo).join(", ") })
            : "",
        ]
          .filter(Boolean)
          .join(" ")
      : t("refunds.dm.rejected", { refund: refund.refundNo, reason: refund.rejectReason ?? "", accountId: refund.accountId });
  return { blocks: [{ type: "text", text }], summary: text };
}

/** What became of the bonus that came with the refunded principal: reversed, partly spent, or all spent. */
export function bonusSentence(t: Translator, reversed: bigint, due: bigint): string {
  if (due === 0n) return "";
  if (reversed === due) return t("refunds.dm.bonus_reversed", { bonus: formatUsd(reversed) });
  if (reversed === 0n) return t("refunds.dm.bonus_spent", { due: formatUsd(due) });
  return t("refunds.dm.bonus_partly_spent", { bonus: formatUsd(reversed), due: formatUsd(due) });
}
