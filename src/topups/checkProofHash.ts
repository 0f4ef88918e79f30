import { normalizeTxHash } from "../chain/txHash.ts";
import { findAccountOf } from "../accounts/resolveAccount.ts";
import type { Caller } from "../core/command.ts";
import { isUserError, type UserError } from "../errors.ts";
import { findMethod } from "../methods/paymentMethods.ts";
import type { Services } from "../services.ts";

/**
 * Whether a hash typed for one of the caller's own orders is one of that order's network, asked
 * before the rest of the proof (a form that asks one field at a time). It only reads, and
 * decides nothing that submitProof does not decide again; when it cannot tell (no such order of
 * theirs, a manual method) it answers undefined and leaves the hash to the submission.
 */
export async function checkProofHash(services: Services, caller: Pick<Caller, "platform" | "workspaceId" | "userId">, orderNo: string, hash: string): Promise<UserError | undefined> {
  const accountId = await findAccountOf(services, caller);
  if (!accountId) return undefined;
  const order = await services.prisma.topupOrder.findFirst({ where: { orderNo: orderNo.trim().toUpperCase(), accountId }, select: { methodId: true } });
  const method = order ? findMethod(services.methods, order.methodId) : undefined;
  if (method?.kind !== "usdt") return undefined;
  try {
    normalizeTxHash(method.family, hash, "txHash");
    return undefined;
  } catch (err) {
    if (isUserError(err)) return err;
    throw err;
  }
}
