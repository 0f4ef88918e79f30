import type { Caller } from "../core/command.ts";
import { queryDirect } from "../db/sqlQuery.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";
import { countPosted } from "../metrics.ts";
import { UserError } from "../errors.ts";
import { grantTrialStage } from "../ledger/grantTrialStage.ts";
import type { Services } from "../services.ts";

export interface ResolvedAccount {
  id: string;
  locale: string;
  created: boolean;
}

/**
 * Finds the account behind a chat identity. In self-serve mode the first contact creates it and
 * grants trial stage 1; in linked mode the customer must first redeem a link code. Nobody can
 * attach themselves to an account by knowing its id.
 */
export async function resolveAccount(services: Services, caller: Caller): Promise<ResolvedAccount> {
  const key = { platform: caller.platform, workspaceId: caller.workspaceId, userId: caller.userId };
  // One statement (Prisma's include would be two), straight through the driver: every command
  // of a known customer starts here, on the thread that also acknowledges Slack.
  const [found] = await queryDirect(services.db.driver)<{ accountId: string; locale: string }>(
    `SELECT i."accountId"::text AS "accountId", a."locale"
     FROM "chat_identities" i JOIN "accounts" a ON a."id" = i."accountId"
     WHERE i."platform" = $1 AND i."workspaceId" = $2 AND i."userId" = $3`,
    [key.platform, key.workspaceId, key.userId],
  );
  if (found) return { id: found.accountId, locale: found.locale, created: false };
  if (services.env.ONBOARDING_MODE === "linked") throw new UserError("errors.not_linked");

  let accountId: string;
  try {
    accountId = await services.prisma.$transaction(async (tx) => {
      const account = await tx.account.create({
        data: { locale: caller.locale, lowBalanceThreshold: services.env.LOW_BALANCE_DEFAULT_USD },
      });
      await tx.chatIdentity.create({
        data: { ...key, accountId: account.id, displayName: caller.displayName ?? null, locale: caller.locale },
      });
      return account.id;
    });
  } catch (err) {
    // Two first messages at once: the other one created it.
    if (isUniqueViolation(err)) {
      return resolveAccount(services, caller);
    }
    throw err;
  }
  if (services.env.TRIAL_STAGE1_USD > 0n) {
    const trial = await grantTrialStage(services.prisma, {
      accountId,
      stage: 1,
      amount: services.env.TRIAL_STAGE1_USD,
      actor: { type: "system", id: "onboarding" },
    });
    countPosted(trial);
  }
  return { id: accountId, locale: caller.locale, created: true };
}

/** The account of a caller, if they have one; never creates. */
export async function findAccountOf(services: Services, caller: Pick<Caller, "platform" | "workspaceId" | "userId">): Promise<string | null> {
  const found = await services.prisma.chatIdentity.findUnique({
    where: { platform_workspaceId_userId: { platform: caller.platform, workspaceId: caller.workspaceId, userId: caller.userId } },
  });
  return found?.accountId ?? null;
}
