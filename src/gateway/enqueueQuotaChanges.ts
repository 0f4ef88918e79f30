import type { Tx } from "../db/index.ts";
import type { EntryType } from "../ledger/types.ts";
import { enqueue } from "../notify/outbox.ts";
import { asOutboxPayload } from "../notify/integrationPayload.ts";
import { microsToQuota } from "./quota.ts";
import type { GatewaySettings } from "./settings.ts";

export interface PostedLine {
  accountId: string;
  type: string;
  amount: bigint;
}

export const changeKeyOf = (postingId: bigint, accountId: string) => `posting:${postingId}:${accountId}`;

/**
 * The quota changes one ledger posting makes on the gateway: for each linked account, the sum of
 * its entries of the mirrored types (a top-up's principal and bonus together: 10 USDT with a 20%
 * bonus is one change worth 12 USD). Called by the relay in the transaction that moves its
 * cursor; the change key makes a second call a no-op.
 */
export async function enqueueQuotaChanges(tx: Tx, settings: GatewaySettings, postingId: bigint, lines: PostedLine[]): Promise<number> {
  const sums = new Map<string, bigint>();
  for (const line of lines) {
    if (!settings.entryTypes.has(line.type as EntryType)) continue;
    sums.set(line.accountId, (sums.get(line.accountId) ?? 0n) + line.amount);
  }
  let queued = 0;
  for (const [accountId, amount] of sums) {
    const quota = microsToQuota(amount, settings.quotaPerUsd);
    if (quota === 0n) continue;
    const link = await tx.gatewayLink.findUnique({ where: { accountId } });
    if (!link) continue;
    const changeKey = changeKeyOf(postingId, accountId);
    await tx.gatewayQuotaChange.createMany({
      data: [{ changeKey, postingId, accountId, gatewayUserId: link.gatewayUserId, amount, quota }],
      skipDuplicates: true,
    });
    await enqueue(tx, {
      dedupeKey: `gateway:${changeKey}`,
      platform: "gateway",
      kind: "quota_change",
      recipient: { type: "gateway_user", gatewayUserId: link.gatewayUserId },
      payload: asOutboxPayload({ changeKey }),
    });
    queued++;
  }
  return queued;
}
