import { assertActive } from "../accounts/assertActive.ts";
import { recordAudit } from "../audit/recordAudit.ts";
import type { Caller } from "../core/command.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";
import { UserError } from "../errors.ts";
import type { Services } from "../services.ts";
import { displayInviteCode, isInviteCodeShape, normalizeInviteCode } from "./inviteCode.ts";

export interface AcceptInviteInput {
  /** The new account taking the invite. */
  accountId: string;
  code: string;
  caller: Pick<Caller, "platform" | "userId">;
}

export interface AcceptedInvite {
  inviteId: string;
  inviterAccountId: string;
  code: string;
  rewardBps: number;
  unlockSpend: bigint;
}

const DAY_MS = 86_400_000;
/**
 * Acceptances run one at a time (a transaction-scoped advisory lock): two accepted at once could
 * each pass the cycle check and together close a loop (A takes B's code while B takes A's).
 */
const ACCEPT_LOCK = 0x1_5f_1e_00;

/**
 * A new account takes an invite: within INVITE_ACCEPT_DAYS of its creation, once, never its own
 * code and never one that would make a loop (the inviter may not be the account itself or anyone
 * it invited, directly or not). The reward rate and unlock spend in force are kept on the invite.
 */
export async function acceptInvite(services: Services, input: AcceptInviteInput): Promise<AcceptedInvite> {
  const code = normalizeInviteCode(input.code);
  if (!isInviteCodeShape(code)) throw new UserError("invites.errors.code_format", {}, "code");
  const { env } = services;
  const now = services.now();
  try {
    return await services.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ACCEPT_LOCK}::bigint)`;
      await assertActive(tx, input.accountId);
      const owner = await tx.inviteCode.findUnique({ where: { code }, select: { accountId: true } });
      if (!owner) throw new UserError("invites.errors.unknown_code", { code: displayInviteCode(code) }, "code");
      if (owner.accountId === input.accountId) throw new UserError("invites.errors.self_invite", {}, "code");
      const already = await tx.invite.findUnique({ where: { inviteeAccountId: input.accountId }, select: { acceptedAt: true } });
      if (already) throw new UserError("invites.errors.already_invited", { date: already.acceptedAt.toISOString().slice(0, 10) }, "code");
      const account = await tx.account.findUniqueOrThrow({ where: { id: input.accountId }, select: { createdAt: true } });
      if (account.createdAt.getTime() < now.getTime() - env.INVITE_ACCEPT_DAYS * DAY_MS) {
        throw new UserError("invites.errors.too_late", { days: env.INVITE_ACCEPT_DAYS }, "code");
      }
      // The inviter's chain of inviters, up to its root: the new account must not be in it.
      const [loop] = await tx.$queryRaw<{ found: number }[]>`
        WITH RECURSIVE up ("id") AS (
          SELECT "inviterAccountId" FROM "invites" WHERE "inviteeAccountId" = ${owner.accountId}::uuid
          UNION
          SELECT i."inviterAccountId" FROM "invites" i JOIN up ON i."inviteeAccountId" = up."id"
        )
        SELECT 1 AS "found" FROM up WHERE "id" = ${input.accountId}::uuid LIMIT 1`;
      if (loop) throw new UserError("invites.errors.cycle", {}, "code");

      const invite = await tx.invite.create({
        data: {
          inviterAccountId: owner.accountId,
          inviteeAccountId: input.accountId,
          code,
          rewardBps: env.INVITE_REWARD_BPS,
          unlockSpend: env.INVITE_UNLOCK_USD,
          acceptedAt: now,
        },
      });
      await recordAudit(tx, {
        actorType: "customer",
        actorId: input.caller.userId,
        platform: input.caller.platform,
        action: "invite.accept",
        outcome: "ok",
        accountId: input.accountId,
        detail: { inviter: owner.accountId, code: displayInviteCode(code), rewardBps: env.INVITE_REWARD_BPS, unlockSpend: env.INVITE_UNLOCK_USD.toString() },
      });
      return { inviteId: invite.id, inviterAccountId: owner.accountId, code, rewardBps: invite.rewardBps, unlockSpend: invite.unlockSpend };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new UserError("invites.errors.already_invited", { date: now.toISOString().slice(0, 10) }, "code");
    throw err;
  }
}
