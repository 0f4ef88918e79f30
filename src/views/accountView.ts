import type { AccountDetails } from "../support/accountDetails.ts";
import { balanceFields } from "../accounts/accountSummary.ts";
import type { AccountMatch } from "../support/findAccount.ts";
import { timeToken } from "../core/markup.ts";
import type { Translator } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import type { Block, Reply } from "../reply.ts";
import type { Adjustment } from "../support/adjustment.ts";
import { statusKey } from "../topups/orderStatus.ts";
import type { AccountInvites } from "../invites/invitesOfAccount.ts";
import { inviteSupportBlocks } from "./inviteView.ts";

export interface AccountViewData {
  details: AccountDetails;
  match: AccountMatch;
  /** Adjustments and vouchers waiting for a second member. */
  pending: Adjustment[];
  /** Who invited the account and whom it invited (src/invites). */
  invites?: AccountInvites;
}

type Section = (data: AccountViewData, t: Translator) => Block[];

/**
 * What support sees of an account, one section after another. A new kind of fact about an account
 * (invites, refunds) is one more section here, fed by one more field of AccountViewData.
 */
const SECTIONS: Section[] = [statusSection, balanceSection, identitiesSection, invitesSection, ordersSection, entriesSection, pendingSection];

export function accountView(data: AccountViewData, t: Translator): Reply {
  const { accountId } = data.details.summary;
  const blocks: Block[] = [{ type: "header", text: t("support_tools.account.title", { id: accountId }) }];
  if (data.match.via === "order" || data.match.via === "tx_hash") blocks.push({ type: "context", text: t("support_tools.account.found_by_order", { order: data.match.orderNo ?? "?" }) });
  for (const section of SECTIONS) blocks.push(...section(data, t));
  blocks.push({ type: "buttons", buttons: [{ label: t("support_tools.account.audit_button"), style: "default", command: "audit", args: { target: accountId } }] });
  return { blocks, private: true, summary: t("support_tools.account.title", { id: accountId }) };
}

function statusSection({ details }: AccountViewData, t: Translator): Block[] {
  if (details.status === "active") return [{ type: "text", text: t("support_tools.account.status_active") }];
  const s = details.suspension;
  const text = s
    ? t("support_tools.account.status_suspended_by", { by: s.by ?? "?", time: timeToken(s.at), reason: s.reason ?? "—" })
    : t("support_tools.account.status_suspended");
  return [{ type: "text", text: `⛔ ${text}` }];
}

function balanceSection({ details }: AccountViewData, t: Translator): Block[] {
  return [{ type: "fields", fields: balanceFields(details.summary, t) }];
}

function identitiesSection({ details }: AccountViewData, t: Translator): Block[] {
  const list = details.identities.map((i) => `${i.platform}:${i.userId}${i.displayName ? ` (${i.displayName})` : ""}`).join(", ");
  return [{ type: "text", text: t("support_tools.account.identities", { list: list || "—" }) }];
}

function invitesSection({ invites }: AccountViewData, t: Translator): Block[] {
  return invites ? inviteSupportBlocks(invites, t) : [];
}

function ordersSection({ details }: AccountViewData, t: Translator): Block[] {
  if (details.orders.length === 0) return [{ type: "text", text: t("support_tools.account.no_orders") }];
  const lines = details.orders.map((o) => `• ${o.orderNo} · ${formatUsd(o.requestedAmount)} · ${t(statusKey(o.status))} · ${timeToken(o.createdAt, "date")}`);
  return [{ type: "text", text: [t("support_tools.account.orders"), ...lines].join("\n") }];
}

function entriesSection({ details }: AccountViewData, t: Translator): Block[] {
  const entries = details.summary.recentEntries;
  if (entries.length === 0) return [{ type: "text", text: t("support_tools.account.no_entries") }];
  const lines = entries.map(
    (e) => `• ${timeToken(e.createdAt)} · ${t(`ledger.type.${e.type}`)} · ${t(`balance.${e.bucket}`)} ${formatUsd(e.amount)} → ${formatUsd(e.balanceAfter)}${e.reference ? ` · ${e.reference}` : ""}`,
  );
  return [{ type: "text", text: [t("support_tools.account.entries"), ...lines].join("\n") }];
}

function pendingSection({ pending }: AccountViewData, t: Translator): Block[] {
  if (pending.length === 0) return [];
  const lines = pending.map((a) => `• ${a.adjustmentNo} · ${t(`ledger.type.${a.entryType}`)} · ${t(`balance.${a.bucket}`)} ${formatUsd(a.amount)} · ${a.requestedByName ?? a.requestedById}`);
  return [{ type: "text", text: [t("support_tools.account.pending"), ...lines].join("\n") }];
}
