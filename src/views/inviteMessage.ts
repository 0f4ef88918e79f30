import { translator, type Locale } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import type { Reply } from "../reply.ts";

export interface InviteReversalView {
  reversed: bigint;
  shortfall: bigint;
  reference: string;
}

/** The inviter's direct message when a refund of their invitee's top-up takes back a transferred reward. */
export function inviteReversalMessage(locale: Locale, view: InviteReversalView): Reply {
  const t = translator(locale);
  const lines = [t("invites.dm.reversed", { reference: view.reference, amount: formatUsd(view.reversed) })];
  if (view.shortfall > 0n) lines.push(t("invites.dm.shortfall", { amount: formatUsd(view.shortfall) }));
  return { blocks: lines.map((text) => ({ type: "text" as const, text })), private: true, summary: lines[0] };
}
