import { recordAudit } from "../audit/recordAudit.ts";
import { UserError } from "../errors.ts";
import type { Services } from "../services.ts";
import type { Decider } from "../topups/decider.ts";
import { Refusal } from "../topups/refusal.ts";
import { refuseOwnAccount } from "./refuseOwnAccount.ts";
import { refuseAction } from "./supportRefusal.ts";

const ACTION = "account.suspend";

/**
 * Suspends an account, with a reason: it can no longer top up, redeem codes or ask for refunds
 * (each of those asks assertActive), and the balance API reports it so the gateway blocks it.
 * Its balance and history stay as they are.
 */
export async function suspendAccount(services: Services, input: { accountId: string; decider: Decider; reason: string | undefined }): Promise<void> {
  const reason = input.reason?.trim();
  if (!reason) throw new UserError("support_tools.errors.reason_required", {}, "reason");
  const { accountId, decider } = input;
  await refuseOwnAccount(services, decider, ACTION, accountId, { reason });
  try {
    await services.prisma.$transaction(async (tx) => {
      // Locked, so a suspension waits for a posting in flight on the account and follows it.
      const [account] = await tx.$queryRaw<{ status: string }[]>`SELECT "status" FROM "accounts" WHERE "id" = ${accountId}::uuid FOR UPDATE`;
      if (!account) throw new UserError("errors.account_not_found", { id: accountId });
      if (account.status === "suspended") throw new Refusal("already_suspended", new UserError("support_tools.errors.already_suspended"));
      await tx.account.update({ where: { id: accountId }, data: { status: "suspended" } });
      await recordAudit(tx, { actorType: "support", actorId: decider.userId, platform: decider.platform, action: ACTION, outcome: "ok", accountId, detail: { reason } });
    });
  } catch (err) {
    if (err instanceof Refusal) return refuseAction(services, decider, ACTION, err.reason, err.error, { accountId, detail: { reason } });
    throw err;
  }
}
