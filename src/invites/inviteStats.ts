import type { Env } from "../config/env.ts";
import type { PrismaClient } from "../db/index.ts";
import { ensureInviteCode } from "./ensureInviteCode.ts";
import { inviteLink } from "./inviteCode.ts";
import { inviteRewards, type InviteReward } from "./inviteRewards.ts";

/** What an inviter sees: their code and link, and where their rewards stand (the seeds' wallet panel). */
export interface InviteStats {
  code: string;
  link: string | null;
  invited: number;
  /** Earned by invitees who have not yet spent enough to unlock it. */
  pending: bigint;
  /** Unlocked and not yet transferred: what `invite transfer` moves now ("Proceeds to be Used"). */
  ready: bigint;
  /** Transferred to the balance so far, net of reversals. */
  transferred: bigint;
  /** Everything the invites have earned ("Total Revenue"): transferred, ready and pending. */
  earned: bigint;
  /** Taken back by refunds after it was spent: paid from later rewards first. */
  owed: bigint;
  /** The reward rate and unlock spend new invites get. */
  rewardBps: number;
  unlockSpend: bigint;
  acceptDays: number;
  invites: InviteReward[];
}

export async function inviteStats(prisma: PrismaClient, env: Pick<Env, "INVITE_LINK_TEMPLATE" | "INVITE_REWARD_BPS" | "INVITE_UNLOCK_USD" | "INVITE_ACCEPT_DAYS">, accountId: string): Promise<InviteStats> {
  const code = await ensureInviteCode(prisma, accountId);
  const invites = await inviteRewards(prisma, { inviterAccountId: accountId });
  const sum = (pick: (r: InviteReward) => bigint) => invites.reduce((total, r) => total + pick(r), 0n);
  const pending = sum((r) => (r.unlocked ? 0n : r.unpaid));
  const ready = sum((r) => (r.unlocked ? r.unpaid : 0n));
  const transferred = sum((r) => r.paidOut);
  const owed = sum((r) => r.owed);
  return {
    code,
    link: inviteLink(env, code),
    invited: invites.length,
    pending,
    ready,
    transferred,
    earned: sum((r) => r.earned),
    owed,
    rewardBps: env.INVITE_REWARD_BPS,
    unlockSpend: env.INVITE_UNLOCK_USD,
    acceptDays: env.INVITE_ACCEPT_DAYS,
    invites,
  };
}
