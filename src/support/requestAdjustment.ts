import { randomUUID } from "node:crypto";
import { recordAudit } from "../audit/recordAudit.ts";
import { UserError } from "../errors.ts";
import { readBalances, type PostingResult } from "../ledger/postEntries.ts";
import { totalOf, type Bucket } from "../ledger/types.ts";
import { countPosted } from "../metrics.ts";
import type { Services } from "../services.ts";
import type { Decider } from "../topups/decider.ts";
import { Refusal } from "../topups/refusal.ts";
import { toAdjustment, updateAdjustment, type Adjustment, type GrantType } from "./adjustment.ts";
import { postAdjustmentCard } from "./adjustmentCardOutbox.ts";
import { MAX_GRANT } from "./parseSignedAmount.ts";
import { accountOfMember } from "./refuseOwnAccount.ts";
import { refuseAction } from "./supportRefusal.ts";
import { belowZeroError, isBelowZero, writeAdjustment } from "./writeAdjustment.ts";

export interface AdjustmentInput {
  accountId: string;
  entryType: GrantType;
  bucket: Bucket;
  /** Signed micro-USD; a voucher is a credit. */
  amount: bigint;
  reason: string | undefined;
  requester: Decider;
}

export interface AdjustmentOutcome {
  adjustment: Adjustment;
  /** The posting when it was written at once; null while it waits for a second member. */
  posting: PostingResult | null;
}

/** What the audit log calls a request of this type. */
export function requestAction(entryType: GrantType): string {
  return entryType === "voucher" ? "voucher.grant" : "adjustment.request";
}

/**
 * Support credits or debits an account by hand, with a reason. Within ADJUST_APPROVAL_USD it is
 * written at once; above it the request is stored and its card (Approve / Decline) goes to the
 * support channel, and nothing is written until a second member approves it. Never on the
 * requester's own account; never below zero.
 */
export async function requestAdjustment(services: Services, input: AdjustmentInput): Promise<AdjustmentOutcome> {
  const reason = input.reason?.trim();
  if (!reason) throw new UserError("support_tools.errors.reason_required", {}, "reason");
  const { amount, requester, accountId } = input;
  if (amount === 0n) throw new UserError("errors.amount_zero", {}, "amount");
  const magnitude = amount < 0n ? -amount : amount;
  if (magnitude > MAX_GRANT) throw new UserError("support_tools.errors.amount_too_large", { max: "$1,000,000" }, "amount");
  if (input.entryType === "voucher" && (amount < 0n || input.bucket !== "promo")) throw new RangeError("a voucher is a credit to the promo bucket");

  const action = requestAction(input.entryType);
  const detail = { amount: amount.toString(), bucket: input.bucket, reason };
  const requesterAccount = await accountOfMember(services, requester);
  if (requesterAccount === accountId) {
    await refuseAction(services, requester, action, "own_account", new UserError("support_tools.errors.own_account"), { accountId, detail });
  }
  const needsApproval = magnitude > services.env.ADJUST_APPROVAL_USD;
  if (needsApproval && amount < 0n) await refuseIfBelowZero(services, requester, action, { accountId, bucket: input.bucket, amount }, detail);

  try {
    const outcome = await services.prisma.$transaction(async (tx) => {
      // The account first, as the ledger and refunds take it: the request row's foreign key would
      // otherwise take a key-share lock before the ledger's FOR UPDATE, and two grants at once deadlock.
      await tx.$queryRaw`SELECT "id" FROM "accounts" WHERE "id" = ${accountId}::uuid FOR UPDATE`;
      const created = toAdjustment(
        await tx.adjustmentRequest.create({
          data: {
            id: randomUUID(),
            accountId,
            entryType: input.entryType,
            bucket: input.bucket,
            amount,
            reason,
            status: "pending",
            surface: requester.platform ?? "console",
            requestedByWorkspace: requester.workspaceId ?? "",
            requestedById: requester.userId ?? "support",
            requestedByName: requester.displayName ?? null,
            requestedByAccount: requesterAccount,
            createdAt: services.now(),
          },
        }),
      );
      const audit = { actorType: "support" as const, actorId: requester.userId, platform: requester.platform, action, outcome: "ok", accountId };
      if (needsApproval) {
        await recordAudit(tx, { ...audit, detail: { ...detail, adjustment: created.adjustmentNo, status: "pending", threshold: services.env.ADJUST_APPROVAL_USD.toString() } });
        await postAdjustmentCard(tx, created);
        return { adjustment: created, posting: null };
      }
      let posting: PostingResult;
      try {
        posting = await writeAdjustment(tx, services, created);
      } catch (err) {
        if (isBelowZero(err)) throw new Refusal("below_zero", await belowZeroError(tx, created));
        throw err;
      }
      const applied = await updateAdjustment(tx, created.id, {
        status: "applied",
        postingId: posting.postingId,
        decidedAt: services.now(),
        decidedByPlatform: requester.platform ?? null,
        decidedByWorkspace: requester.workspaceId ?? null,
        decidedById: requester.userId ?? null,
        decidedByName: requester.displayName ?? null,
      });
      await recordAudit(tx, { ...audit, detail: { ...detail, adjustment: applied.adjustmentNo, status: "applied" } });
      return { adjustment: applied, posting };
    });
    if (outcome.posting) countPosted(outcome.posting);
    return outcome;
  } catch (err) {
    if (err instanceof Refusal) return refuseAction(services, requester, action, err.reason, err.error, { accountId, detail });
    throw err;
  }
}

/**
 * A debit waiting for approval is refused at once when the bucket could not pay it now: no point
 * asking a second member. The ledger checks again, under its lock, when it is approved.
 */
async function refuseIfBelowZero(services: Services, requester: Decider, action: string, grant: { accountId: string; bucket: Bucket; amount: bigint }, detail: Record<string, unknown>) {
  const balances = await readBalances(services.prisma, grant.accountId);
  const bucketAfter = balances[grant.bucket] + grant.amount;
  if (bucketAfter >= 0n && totalOf(balances) + grant.amount >= 0n) return;
  await refuseAction(services, requester, action, "below_zero", await belowZeroError(services.prisma, grant), { accountId: grant.accountId, detail });
}
