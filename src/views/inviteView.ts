import type { Translator } from "../i18n.ts";
import { displayInviteCode } from "../invites/inviteCode.ts";
import type { InviteReward } from "../invites/inviteRewards.ts";
import type { InviteStats } from "../invites/inviteStats.ts";
import type { AccountInvites } from "../invites/invitesOfAccount.ts";
import type { TransferredRewards } from "../invites/transferInviteRewards.ts";
import { timeToken } from "../core/markup.ts";
import { formatUsd } from "../ledger/money.ts";
import type { Block, Reply } from "../reply.ts";

/** 1000 → "10%", 250 → "2.5%": basis points as a percentage, from integers. */
export function formatBps(bps: number): string {
  const whole = Math.trunc(bps / 100);
  const fraction = String(bps % 100).padStart(2, "0").replace(/0+$/, "");
  return `${whole}${fraction ? `.${fraction}` : ""}%`;
}

/** `invite`: the code and link to share, and the seeds' panel: invited, pending, ready, total. */
export function inviteStatsReply(stats: InviteStats, t: Translator): Reply {
  const code = displayInviteCode(stats.code);
  const blocks: Block[] = [
    { type: "header", text: t("invites.stats.title") },
    { type: "copy", label: t("invites.stats.code"), value: code },
  ];
  if (stats.link) blocks.push({ type: "copy", label: t("invites.stats.link"), value: stats.link });
  blocks.push({
    type: "fields",
    fields: [
      { label: t("invites.stats.invited"), value: String(stats.invited) },
      { label: t("invites.stats.ready"), value: formatUsd(stats.ready) },
      { label: t("invites.stats.pending", { unlock: formatUsd(stats.unlockSpend) }), value: formatUsd(stats.pending) },
      { label: t("invites.stats.transferred"), value: formatUsd(stats.transferred) },
      { label: t("invites.stats.earned"), value: formatUsd(stats.earned) },
    ],
  });
  if (stats.owed > 0n) blocks.push({ type: "text", text: t("invites.stats.owed", { owed: formatUsd(stats.owed) }) });
  blocks.push({
    type: "context",
    text: t("invites.stats.how", { command: `invite accept ${code}`, days: stats.acceptDays, rate: formatBps(stats.rewardBps), unlock: formatUsd(stats.unlockSpend) }),
  });
  if (stats.ready > 0n) {
    blocks.push({ type: "buttons", buttons: [{ label: t("invites.stats.transfer_button", { amount: formatUsd(stats.ready) }), style: "primary", command: "invite", args: { action: "transfer" } }] });
  }
  return { blocks, private: true, summary: `${t("invites.stats.title")}: ${code}` };
}

export function inviteAcceptedReply(t: Translator): Reply {
  const text = t("invites.accepted");
  return { blocks: [{ type: "text", text }], private: true, summary: text };
}

export function inviteTransferredReply(result: TransferredRewards, t: Translator): Reply {
  const text = t("invites.transferred", { amount: formatUsd(result.total), balance: formatUsd(result.balance) });
  const blocks: Block[] = [{ type: "text", text }];
  if (result.stillPending > 0n) blocks.push({ type: "context", text: t("invites.still_pending", { pending: formatUsd(result.stillPending) }) });
  return { blocks, private: true, summary: text };
}

/** How many invitees support's account view lists before summing up the rest. */
const LISTED = 10;

function stateOf(reward: InviteReward, t: Translator): string {
  const state = reward.unlocked ? t("invites.support.unlocked") : t("invites.support.locked", { spent: formatUsd(reward.spent), unlock: formatUsd(reward.unlockSpend) });
  return reward.owed > 0n ? `${state} · ${t("invites.support.owed", { owed: formatUsd(reward.owed) })}` : state;
}

/** Support's account view: who invited this account, and whom it invited, with where each reward stands. */
export function inviteSupportBlocks(invites: AccountInvites, t: Translator): Block[] {
  const by = invites.invitedBy;
  const lines = [
    by
      ? t("invites.support.invited_by", { account: by.inviterAccountId, code: displayInviteCode(by.code), date: timeToken(by.acceptedAt, "date"), rate: formatBps(by.rewardBps), state: stateOf(by, t) })
      : t("invites.support.not_invited"),
  ];
  if (invites.invited.length === 0) lines.push(t("invites.support.none"));
  else {
    lines.push(t("invites.support.invited", { count: invites.invited.length }));
    for (const r of invites.invited.slice(0, LISTED)) {
      lines.push(t("invites.support.line", { account: r.inviteeAccountId, date: timeToken(r.acceptedAt, "date"), principal: formatUsd(r.principal), earned: formatUsd(r.earned), paid: formatUsd(r.paidOut), state: stateOf(r, t) }));
    }
    if (invites.invited.length > LISTED) lines.push(t("invites.support.more", { count: invites.invited.length - LISTED }));
  }
  return [{ type: "text", text: lines.join("\n") }];
}
