import { recordAudit } from "../audit/recordAudit.ts";
import { UserError } from "../errors.ts";
import type { Services } from "../services.ts";
import type { Decider } from "../topups/decider.ts";
import { Refusal } from "../topups/refusal.ts";
import { refuseOwnAccount } from "./refuseOwnAccount.ts";
import { refuseAction } from "./supportRefusal.ts";

const ACTION = "account.unsuspend";

/** Lifts a suspension; the reason is optional (the suspension's own reason is in the audit log). */
export async function unsuspendAccount(services: Services, input: { accountId: string; decider: Decider; reason?: string }): Promise<void> {
  const reason = input.reason?.trim() || null;
  const { accountId, decider } = input;
  await refuseOwnAccount(services, decider, ACTION, accountId, { reason });
  try {
    await services.prisma.$transaction(async (tx) => {
      const [account] = await tx.$queryRaw<{ status: string }[]>`SELECT "status" FROM "accounts" WHERE "id" = ${accountId}::uuid FOR UPDATE`;
      if (!account) throw new UserError("errors.account_not_found", { id: accountId });
      if (account.status !== "suspended") throw new Refusal("not_suspended", new UserError("support_tools.errors.not_suspended"));
      await tx.account.update({ where: { id: accountId }, data: { status: "active" } });
      await recordAudit(tx, { actorType: "support", actorId: decider.userId, platform: decider.platform, action: ACTION, outcome: "ok", accountId, detail: { reason } });
    });
  } catch (err) {
    if (err instanceof Refusal) return refuseAction(services, decider, ACTION, err.reason, err.error, { accountId, detail: { reason } });
    throw err;
  }
}
