import type { Translator } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import type { Reply } from "../reply.ts";
import type { Adjustment } from "../support/adjustment.ts";
import type { PostingResult } from "../ledger/postEntries.ts";

/** What the member who asked for an adjustment or voucher is told: written, or waiting for approval. */
export function grantReply(outcome: { adjustment: Adjustment; posting: PostingResult | null }, t: Translator, threshold: bigint): Reply {
  const { adjustment, posting } = outcome;
  const params = {
    type: t(`ledger.type.${adjustment.entryType}`),
    adjustment: adjustment.adjustmentNo,
    amount: formatUsd(adjustment.amount),
    bucket: t(`balance.${adjustment.bucket}`),
    account: adjustment.accountId,
    threshold: formatUsd(threshold),
  };
  const entry = posting?.entries[0];
  const text = entry
    ? `✅ ${t("support_tools.grant.written", { ...params, after: formatUsd(entry.bucketBalanceAfter) })}`
    : `⏳ ${t("support_tools.grant.waiting", params)}`;
  return { blocks: [{ type: "text", text }], private: true, summary: text };
}

/** What the member who approved or declined is told; the card itself is edited through the outbox. */
export function decisionReply(adjustment: Adjustment, t: Translator, posting?: PostingResult): Reply {
  const params = {
    type: t(`ledger.type.${adjustment.entryType}`),
    adjustment: adjustment.adjustmentNo,
    amount: formatUsd(adjustment.amount),
    bucket: t(`balance.${adjustment.bucket}`),
    account: adjustment.accountId,
    after: formatUsd(posting?.entries[0]?.bucketBalanceAfter ?? 0n),
  };
  const text = adjustment.status === "approved" ? `✅ ${t("support_tools.grant.approved", params)}` : t("support_tools.grant.declined", params);
  return { blocks: [{ type: "text", text }], private: true, summary: text };
}
