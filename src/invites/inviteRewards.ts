import { Prisma, type Tx } from "../db/index.ts";
import { applyBps } from "../ledger/money.ts";

/** One accepted invite and where its reward stands. */
export interface InviteReward {
  id: string;
  inviterAccountId: string;
  inviteeAccountId: string;
  code: string;
  rewardBps: number;
  unlockSpend: bigint;
  acceptedAt: Date;
  /** Σ over the invitee's top-ups confirmed since the invite: principal confirmed − principal refunded. */
  principal: bigint;
  /** What the invitee has spent on API usage (api_usage entries). */
  spent: bigint;
  /** rewardBps of principal: what the invite has earned as of now. */
  earned: bigint;
  /** Net referral_reward paid for it so far (transfers less reversals). */
  paidOut: bigint;
  postings: number;
  /** The invitee has spent unlockSpend: what is earned may be transferred. */
  unlocked: boolean;
  /** Earned and not yet paid: pending while locked, ready to transfer once unlocked. */
  unpaid: bigint;
  /** Paid beyond what is earned now (a refund reversed it after the promo credit was spent): later rewards of this invite pay it first. */
  owed: bigint;
}

interface RewardRow {
  id: string;
  inviterAccountId: string;
  inviteeAccountId: string;
  code: string;
  rewardBps: number;
  unlockSpend: bigint;
  acceptedAt: Date;
  paidOut: bigint;
  postings: number;
  principal: bigint | string | null;
  spent: bigint | string | null;
}

export type InviteFilter = { inviterAccountId: string } | { inviteeAccountId: string };

/**
 * Invite rewards are derived, not recorded: from the invitee's confirmed top-ups (principal, never
 * the bonus, less what refunds paid back) and API usage, as they are now. So top-ups need not know
 * invites exist, and a refund shrinks a pending reward by itself; only payouts are kept
 * (invites.paidOut). Top-ups count from the moment the invite was accepted.
 */
export async function inviteRewards(tx: Tx, filter: InviteFilter): Promise<InviteReward[]> {
  const where = "inviterAccountId" in filter ? Prisma.sql`i."inviterAccountId" = ${filter.inviterAccountId}::uuid` : Prisma.sql`i."inviteeAccountId" = ${filter.inviteeAccountId}::uuid`;
  const rows = await tx.$queryRaw<RewardRow[]>`
    SELECT i."id"::text AS "id", i."inviterAccountId"::text AS "inviterAccountId", i."inviteeAccountId"::text AS "inviteeAccountId",
           i."code", i."rewardBps", i."unlockSpend", i."acceptedAt", i."paidOut", i."postings",
           (SELECT COALESCE(sum(o."confirmedPrincipal" - o."refundedPrincipal"), 0) FROM "topup_orders" o
             WHERE o."accountId" = i."inviteeAccountId" AND o."status" IN ('confirmed', 'refunded')
               AND o."confirmedPrincipal" IS NOT NULL AND o."decidedAt" >= i."acceptedAt")::bigint AS "principal",
           (SELECT COALESCE(-sum(e."amount"), 0) FROM "ledger_entries" e
             WHERE e."accountId" = i."inviteeAccountId" AND e."type" = 'api_usage')::bigint AS "spent"
    FROM "invites" i
    WHERE ${where}
    ORDER BY i."acceptedAt", i."id"`;
  return rows.map(toReward);
}

function toReward(row: RewardRow): InviteReward {
  const principal = BigInt(row.principal ?? 0);
  const spent = BigInt(row.spent ?? 0);
  const earned = principal > 0n ? applyBps(principal, row.rewardBps) : 0n;
  const paidOut = BigInt(row.paidOut);
  return {
    id: row.id,
    inviterAccountId: row.inviterAccountId,
    inviteeAccountId: row.inviteeAccountId,
    code: row.code,
    rewardBps: Number(row.rewardBps),
    unlockSpend: BigInt(row.unlockSpend),
    acceptedAt: row.acceptedAt,
    principal,
    spent,
    earned,
    paidOut,
    postings: Number(row.postings),
    unlocked: spent >= BigInt(row.unlockSpend),
    unpaid: earned > paidOut ? earned - paidOut : 0n,
    owed: paidOut > earned ? paidOut - earned : 0n,
  };
}
