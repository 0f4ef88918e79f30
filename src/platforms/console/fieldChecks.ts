import { normalizeTxHash } from "../../chain/txHash.ts";
import type { Caller } from "../../core/command.ts";
import type { RawArgs } from "../../core/dispatch.ts";
import { isUserError } from "../../errors.ts";
import { findMethod } from "../../methods/paymentMethods.ts";
import type { Services } from "../../services.ts";

/** What is wrong with one answer, as a message key (the same one the command's submission would give). */
export type FieldIssue = { key: string; params?: Record<string, string | number> };

type Check = (services: Services, caller: Caller, args: RawArgs, value: unknown) => Promise<FieldIssue | undefined>;

/**
 * Checks the console makes on an answer the moment it is typed, where the command's zod schema
 * cannot judge it because the rule depends on stored data. A chat modal shows every field at once
 * and the command reports all of them on submit; the console asks one prompt after another, so
 * without this a wrong hash was reported only after the screenshot had been asked for.
 *
 * Each check calls the domain's own validator and only reads: it never decides anything the
 * submission would not decide again. When it cannot tell (no such order, a method it does not
 * know), it says nothing and leaves the answer to the submission.
 */
const CHECKS: Record<string, Record<string, Check>> = {
  proof: {
    async txHash(services, caller, args, value) {
      if (typeof value !== "string" || typeof args.order !== "string") return undefined;
      const identity = await services.prisma.chatIdentity.findUnique({
        where: { platform_workspaceId_userId: { platform: caller.platform, workspaceId: caller.workspaceId, userId: caller.userId } },
        select: { accountId: true },
      });
      if (!identity) return undefined;
      const order = await services.prisma.topupOrder.findFirst({
        where: { orderNo: args.order.trim().toUpperCase(), accountId: identity.accountId },
        select: { methodId: true },
      });
      const method = order ? findMethod(services.methods, order.methodId) : undefined;
      if (method?.kind !== "usdt") return undefined;
      try {
        normalizeTxHash(method.family, value, "txHash");
        return undefined;
      } catch (err) {
        if (isUserError(err)) return { key: err.key, params: err.params };
        throw err;
      }
    },
  },
};

export async function checkFieldNow(services: Services, caller: Caller, command: string, field: string, args: RawArgs, value: unknown): Promise<FieldIssue | undefined> {
  const check = CHECKS[command]?.[field];
  return check ? check(services, caller, args, value) : undefined;
}
