import { assertActive } from "../accounts/assertActive.ts";
import { recordAudit } from "../audit/recordAudit.ts";
import type { Caller } from "../core/command.ts";
import { UserError } from "../errors.ts";
import { formatUsd } from "../ledger/money.ts";
import { postEntries, type PostingResult } from "../ledger/postEntries.ts";
import { countPosted } from "../metrics.ts";
import { afterBalanceChange } from "../notify/lowBalance.ts";
import type { Services } from "../services.ts";
import { inviteRewards } from "./inviteRewards.ts";

export interface TransferredRewards {
  total: bigint;
  /** How many invites paid into it. */
  invites: number;
  balance: bigint;
  /** What stays pending: earned by invitees who have not yet spent enough. */
  stillPending: bigint;
}

/**
 * Moves the unlocked rewards of the account's invites into its balance (`referral_reward`, promo
 * bucket). The invites' rows are locked while what each has earned and been paid is read, and each
 * payout's ledger key is numbered by its invite (`invite:<id>:<n>`): two transfers at once pay once,
 * and the second finds nothing left.
 */
export async function transferInviteRewards(services: Services, input: { accountId: string; caller: Pick<Caller, "platform" | "userId"> }): Promise<TransferredRewards> {
  const now = services.now();
  const postings: PostingResult[] = [];
  const result = await services.prisma.$transaction(async (tx) => {
    await assertActive(tx, input.accountId);
    await tx.$queryRaw`SELECT "id" FROM "invites" WHERE "inviterAccountId" = ${input.accountId}::uuid ORDER BY "id" FOR UPDATE`;
    const rewards = await inviteRewards(tx, { inviterAccountId: input.accountId });
    const ready = rewards.filter((r) => r.unlocked && r.unpaid > 0n);
    const stillPending = rewards.filter((r) => !r.unlocked).reduce((sum, r) => sum + r.unpaid, 0n);
    if (ready.length === 0) {
      if (stillPending > 0n) throw new UserError("invites.errors.nothing_unlocked", { pending: formatUsd(stillPending) });
      throw new UserError("invites.errors.nothing_to_transfer");
    }
    let total = 0n;
    let balance = 0n;
    for (const reward of ready) {
      const key = `invite:${reward.id}:${reward.postings + 1}`;
      const posting = await postEntries(tx, {
        idempotencyKey: key,
        lines: [{ accountId: input.accountId, type: "referral_reward", bucket: "promo", amount: reward.unpaid }],
        actor: { type: "customer", id: input.caller.userId },
        reference: `invite:${reward.id}`,
        memo: `Invite reward: ${reward.rewardBps / 100}% of ${formatUsd(reward.principal)} topped up by account ${reward.inviteeAccountId}`,
      });
      await tx.invite.update({ where: { id: reward.id }, data: { paidOut: { increment: reward.unpaid }, postings: { increment: 1 } } });
      for (const movement of posting.accounts) await afterBalanceChange(tx, movement, { cause: key, now });
      postings.push(posting);
      total += reward.unpaid;
      balance = posting.accounts[0].after;
    }
    await recordAudit(tx, {
      actorType: "customer",
      actorId: input.caller.userId,
      platform: input.caller.platform,
      action: "invite.transfer",
      outcome: "ok",
      accountId: input.accountId,
      detail: { total: total.toString(), invites: ready.map((r) => ({ invite: r.id, invitee: r.inviteeAccountId, amount: r.unpaid.toString() })) },
    });
    return { total, invites: ready.length, balance, stillPending };
  });
  for (const posting of postings) countPosted(posting);
  return result;
}
