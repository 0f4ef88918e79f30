import type { PrismaClient } from "../db/index.ts";
import type { Logger } from "../log.ts";
import { MAX_ATTEMPTS, type Deliverer, type DeliveryOutcome } from "../notify/outbox.ts";
import { integrationPayload } from "../notify/integrationPayload.ts";
import { GatewayClient, GatewayRefusedError } from "./client.ts";
import type { GatewayQuotaChange } from "../generated/prisma/client.ts";

/** How long a change waits while an earlier change of the same user is still open. */
const WAIT_FOR_EARLIER_MS = 1000;

/** What the gateway's log says about a change, when its API takes a remark (one-api's top-up). */
export const referenceOf = (change: Pick<GatewayQuotaChange, "changeKey">) => `credit-desk:${change.changeKey};`;

/**
 * Applies quota changes exactly once through an API that has no idempotency key:
 * - Before each call, the user's quota + used_quota ("gross") is read and stored with the change,
 *   in its own commit; consumption moves quota into used_quota and leaves gross alone, so gross
 *   moves only by changes like ours.
 * - A call that fails without an answer (timeout, reset, 5xx) may have been applied. Before any
 *   retry the change is read back: one-api's top-up log is searched for our reference; otherwise
 *   the user's gross now is compared with the stored one: nearer to gross + change means applied.
 * - Changes of one user are applied one at a time, in order, so no other change of ours moves the
 *   gross while one is in doubt.
 */
export function gatewayDeliverer(prisma: PrismaClient, client: GatewayClient, log?: Logger): Deliverer {
  return {
    async deliver(message): Promise<DeliveryOutcome> {
      const { changeKey } = integrationPayload<{ changeKey: string }>(message);
      const change = await prisma.gatewayQuotaChange.findUnique({ where: { changeKey } });
      if (!change) return { status: "failed", error: `no quota change ${changeKey}` };
      if (change.status === "applied") return { status: "sent" };
      const earlier = await prisma.gatewayQuotaChange.findFirst({
        where: { gatewayUserId: change.gatewayUserId, status: "pending", id: { lt: change.id } },
        select: { changeKey: true },
      });
      if (earlier) return { status: "retry", afterMs: WAIT_FOR_EARLIER_MS, error: `waits for ${earlier.changeKey} of the same gateway user` };

      const outcome = await apply(prisma, client, change, log);
      if (outcome.status === "retry" && message.attempts >= MAX_ATTEMPTS) {
        await prisma.gatewayQuotaChange.update({ where: { id: change.id }, data: { status: "failed", lastError: outcome.error.slice(0, 500) } });
      }
      return outcome;
    },
  };
}

async function apply(prisma: PrismaClient, client: GatewayClient, change: GatewayQuotaChange, log?: Logger): Promise<DeliveryOutcome> {
  const userId = change.gatewayUserId;
  try {
    if (change.grossBefore !== null && (await wasApplied(client, change))) {
      log?.info({ change: change.changeKey }, "gateway quota change found applied on read-back: not sent again");
      return markApplied(prisma, client, change);
    }
    const before = await client.getUser(userId);
    await prisma.gatewayQuotaChange.update({
      where: { id: change.id },
      data: { grossBefore: before.quota + before.usedQuota, attempts: { increment: 1 } },
    });
    try {
      await client.changeQuota(userId, change.quota, referenceOf(change));
    } catch (err) {
      // A refusal is an answer: the gateway applied nothing, so there is nothing to read back.
      if (err instanceof GatewayRefusedError) await prisma.gatewayQuotaChange.update({ where: { id: change.id }, data: { grossBefore: null } });
      throw err;
    }
    return markApplied(prisma, client, change);
  } catch (err) {
    const error = (err as Error).message;
    await prisma.gatewayQuotaChange.update({ where: { id: change.id }, data: { lastError: error.slice(0, 500) } });
    return { status: "retry", error };
  }
}

async function wasApplied(client: GatewayClient, change: GatewayQuotaChange): Promise<boolean> {
  if (change.quota > 0n) {
    const logged = await client.hasTopupLog(referenceOf(change));
    if (logged !== null) return logged;
  }
  const user = await client.getUser(change.gatewayUserId);
  const gross = user.quota + user.usedQuota;
  const abs = (v: bigint) => (v < 0n ? -v : v);
  return abs(gross - (change.grossBefore! + change.quota)) < abs(gross - change.grossBefore!);
}

async function markApplied(prisma: PrismaClient, client: GatewayClient, change: GatewayQuotaChange): Promise<DeliveryOutcome> {
  const after = await client.getUser(change.gatewayUserId).catch(() => null);
  await prisma.gatewayQuotaChange.update({
    where: { id: change.id },
    data: { status: "applied", appliedAt: new Date(), quotaAfter: after?.quota ?? null, grossBefore: null, lastError: null },
  });
  return { status: "sent" };
}
