import { recordAudit } from "../audit/recordAudit.ts";
import type { Tx } from "../db/index.ts";
import { formatUsd } from "../ledger/money.ts";
import { postEntries, readBalances, type PostingResult } from "../ledger/postEntries.ts";
import { totalOf } from "../ledger/types.ts";
import { afterBalanceChange } from "../notify/lowBalance.ts";
import { messageInviterOfReversal } from "./inviteOutbox.ts";
import { inviteRewards } from "./inviteRewards.ts";

export interface InviteReversal {
  inviteId: string;
  inviterAccountId: string;
  /** What had been paid beyond what the invite earns after the refund. */
  due: bigint;
  /** Taken back now from the inviter's promo bucket (a negative referral_reward). */
  reversed: bigint;
  /** What the promo bucket no longer held: left owing on the invite, paid from its later rewards first. */
  shortfall: bigint;
  posting: PostingResult | null;
}

/**
 * Called by a refund of an invitee's top-up, in the refund's transaction, once the orders record
 * what was paid back. The invite's reward is derived from the invitee's orders, so a reward still
 * pending or unlocked shrinks by itself and nothing is written. Only a reward already transferred
 * beyond what the invite now earns is taken back: a negative `referral_reward` from the inviter's
 * promo bucket, never below zero (nor the balance below zero). What the inviter already spent is
 * not taken from their principal or bonus: it stays owed on the invite, shown to them and to
 * support, and comes out of that invite's later rewards before anything is paid again.
 */
export async function reverseInviteRewards(tx: Tx, input: { inviteeAccountId: string; reference: string; now: Date }): Promise<InviteReversal | null> {
  const [invite] = await tx.$queryRaw<{ id: string }[]>`SELECT "id"::text AS "id" FROM "invites" WHERE "inviteeAccountId" = ${input.inviteeAccountId}::uuid FOR UPDATE`;
  if (!invite) return null;
  const [reward] = await inviteRewards(tx, { inviteeAccountId: input.inviteeAccountId });
  if (reward.owed === 0n) return null;

  await tx.$queryRaw`SELECT "id" FROM "accounts" WHERE "id" = ${reward.inviterAccountId}::uuid FOR UPDATE`;
  const balances = await readBalances(tx, reward.inviterAccountId);
  const total = totalOf(balances);
  let reversed = reward.owed;
  if (balances.promo < reversed) reversed = balances.promo;
  if (total < reversed) reversed = total;
  if (reversed < 0n) reversed = 0n;
  const shortfall = reward.owed - reversed;
  const key = `invite:${reward.id}:${reward.postings + 1}`;

  let posting: PostingResult | null = null;
  if (reversed > 0n) {
    posting = await postEntries(tx, {
      idempotencyKey: key,
      lines: [{ accountId: reward.inviterAccountId, type: "referral_reward", bucket: "promo", amount: -reversed }],
      actor: { type: "system", id: "refund" },
      reference: input.reference,
      memo:
        `Invite reward reversed by ${input.reference}: account ${reward.inviteeAccountId}'s top-ups now earn ${formatUsd(reward.earned)} of the ${formatUsd(reward.paidOut)} paid` +
        (shortfall > 0n ? `; ${formatUsd(shortfall)} was already spent and stays owed on the invite` : ""),
    });
    await tx.invite.update({ where: { id: reward.id }, data: { paidOut: { decrement: reversed }, postings: { increment: 1 } } });
    for (const movement of posting.accounts) await afterBalanceChange(tx, movement, { cause: key, now: input.now });
  }
  await recordAudit(tx, {
    actorType: "system",
    actorId: "refund",
    action: "invite.reverse",
    outcome: "ok",
    accountId: reward.inviterAccountId,
    detail: { invite: reward.id, invitee: reward.inviteeAccountId, refund: input.reference, due: reward.owed.toString(), reversed: reversed.toString(), shortfall: shortfall.toString() },
  });
  await messageInviterOfReversal(tx, { inviterAccountId: reward.inviterAccountId, key: `${key}:${input.reference}`, reversed, shortfall, reference: input.reference });
  return { inviteId: reward.id, inviterAccountId: reward.inviterAccountId, due: reward.owed, reversed, shortfall, posting };
}
