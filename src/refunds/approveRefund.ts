import { recordAudit } from "../audit/recordAudit.ts";
import type { Tx } from "../db/index.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";
import { UserError } from "../errors.ts";
import { reverseInviteRewards } from "../invites/reverseInviteRewards.ts";
import { formatUsd } from "../ledger/money.ts";
import { postEntries, type PostingLine } from "../ledger/postEntries.ts";
import { countPosted } from "../metrics.ts";
import type { Services } from "../services.ts";
import { updateSupportCard } from "../topups/cardOutbox.ts";
import { refuseOwnAccount } from "../topups/confirmTopup.ts";
import { deciderLabel, type Decider } from "../topups/decider.ts";
import { lockOrder } from "../topups/findOrder.ts";
import { updateOrder } from "../topups/order.ts";
import { assertTransition } from "../topups/orderStatus.ts";
import { normalizeReference } from "../topups/proofKey.ts";
import { Refusal, refuse } from "../topups/refusal.ts";
import { alreadyDecided, findRefund, lockRefund } from "./findRefund.ts";
import { planRefund, type RefundPlan } from "./planRefund.ts";
import { refundableAmount } from "./refundableAmount.ts";
import { messageCustomer, updateRefundCard } from "./refundOutbox.ts";
import { allocationsJson, updateRefund, type Refund } from "./refundRequest.ts";

export interface ApproveRefundInput {
  refundRef: string;
  /** The outgoing payment: a transaction hash or a bank reference. */
  paymentReference: string;
  decider: Decider;
}

export interface ApproveRefundResult {
  refund: Refund;
  plan: RefundPlan;
}

const ACTION = "refund.approve";
/** Printable text, no control characters or bidirectional overrides: it is shown on cards and in messages. */
const REFERENCE = /^[^\p{Cc}\u202A-\u202E\u2066-\u2069]{4,200}$/u;

/**
 * Support approves a refund request, having paid it out: in one transaction, under the request's
 * lock and then the account's, the principal is paid back from the newest confirmed top-ups
 * (`refund`, principal bucket), their bonus is reversed in proportion as far as the bonus bucket
 * still holds it (`bonus_reversal`), each order records what it gave and becomes `refunded` once
 * all of its principal is, and the customer is told. The posting's key is the request's: two
 * approvals at once write one refund, and the second is refused as already decided.
 */
export async function approveRefund(services: Services, input: ApproveRefundInput): Promise<ApproveRefundResult> {
  const { decider } = input;
  const reference = input.paymentReference.trim();
  if (!REFERENCE.test(reference) || normalizeReference(reference).length < 4) {
    throw new UserError("refunds.errors.reference_format", {}, "reference");
  }
  const found = await findRefund(services.prisma, input.refundRef);
  const refs = { accountId: found.accountId };
  await refuseOwnAccount(services, decider, ACTION, found.accountId, refs);

  try {
    const result = await services.prisma.$transaction(async (tx) => {
      const refund = await lockRefund(tx, found.id);
      if (refund.status !== "pending") throw alreadyDecided(refund);
      await tx.$queryRaw`SELECT "id" FROM "accounts" WHERE "id" = ${refund.accountId}::uuid FOR UPDATE`;
      const referenceKey = normalizeReference(reference);
      const other = await tx.refundRequest.findUnique({ where: { paymentReferenceKey: referenceKey }, select: { seq: true } });
      if (other) throw referenceUsed(other.seq);
      return payOut(tx, services, refund, reference, referenceKey, decider);
    });
    countPosted(result.posting);
    return { refund: result.refund, plan: result.plan };
  } catch (err) {
    if (err instanceof Refusal) return refuse(services, decider, ACTION, err.reason, err.error, refs);
    // Two requests approved at once with one payment reference: the unique key let one through.
    if (isUniqueViolation(err)) return refuse(services, decider, ACTION, "reference_used", new UserError("refunds.errors.reference_used", { refund: "?" }, "reference"), refs);
    throw err;
  }
}

function referenceUsed(seq: number): Refusal {
  return new Refusal("reference_used", new UserError("refunds.errors.reference_used", { refund: `RF-${String(seq).padStart(6, "0")}` }, "reference"));
}

/** The refund itself, on a pending request whose row and account the caller has locked. */
async function payOut(tx: Tx, services: Services, refund: Refund, reference: string, referenceKey: string, decider: Decider) {
  const state = await refundableAmount(tx, refund.accountId, { lock: true });
  // A request for "everything" pays what is refundable now, up to what it was told when asked.
  const amount = refund.whole && state.refundable < refund.requestedAmount ? state.refundable : refund.requestedAmount;
  if (amount === 0n || amount > state.refundable) {
    throw new Refusal(
      "above_refundable",
      new UserError("refunds.errors.approve_above_refundable", { refund: refund.refundNo, amount: formatUsd(refund.requestedAmount), refundable: formatUsd(state.refundable) }),
    );
  }
  const plan = planRefund(state.orders, amount, state.bonusBalance);
  const spent = plan.bonusReversed < plan.bonusDue;
  const lines: PostingLine[] = [{ accountId: refund.accountId, type: "refund", bucket: "principal", amount: -plan.principal }];
  if (plan.bonusReversed > 0n) lines.push({ accountId: refund.accountId, type: "bonus_reversal", bucket: "bonus", amount: -plan.bonusReversed });
  const posting = await postEntries(tx, {
    idempotencyKey: `refund:${refund.id}`,
    lines,
    actor: { type: decider.type, id: decider.userId ?? "system" },
    reference: refund.refundNo,
    memo:
      `Refund ${refund.refundNo} paid out (${reference.slice(0, 100)}) from ${plan.allocations.map((a) => a.orderNo).join(", ")}; ` +
      `bonus reversed ${formatUsd(plan.bonusReversed)} of ${formatUsd(plan.bonusDue)} due` +
      (spent ? `: the rest (${formatUsd(plan.bonusDue - plan.bonusReversed)}) was already spent` : ""),
  });

  for (const allocation of plan.allocations) {
    const order = await lockOrder(tx, allocation.orderId);
    if (allocation.fullyRefunded) assertTransition(order.status, "refunded", order.orderNo, ["confirmed"]);
    const updated = await updateOrder(tx, order.id, {
      refundedPrincipal: { increment: allocation.principal },
      reversedBonus: { increment: allocation.bonus },
      ...(allocation.fullyRefunded ? { status: "refunded" } : {}),
    });
    if (allocation.fullyRefunded) await updateSupportCard(tx, updated, `refunded:${refund.id}`);
  }
  // The orders now say what was paid back: an invite reward transferred on that principal is taken back.
  await reverseInviteRewards(tx, { inviteeAccountId: refund.accountId, reference: refund.refundNo, now: services.now() });

  const approved = await updateRefund(tx, refund.id, {
    status: "approved",
    refundedPrincipal: plan.principal,
    reversedBonus: plan.bonusReversed,
    bonusDue: plan.bonusDue,
    allocations: allocationsJson(plan.allocations),
    paymentReference: reference,
    paymentReferenceKey: referenceKey,
    postingId: posting.postingId,
    decidedAt: services.now(),
    decidedByType: decider.type,
    decidedById: deciderLabel(decider),
  });
  await recordAudit(tx, {
    actorType: decider.type,
    actorId: decider.userId,
    platform: decider.platform,
    action: ACTION,
    outcome: "ok",
    accountId: refund.accountId,
    detail: {
      refund: refund.refundNo,
      paymentReference: reference,
      principal: plan.principal.toString(),
      bonusDue: plan.bonusDue.toString(),
      bonusReversed: plan.bonusReversed.toString(),
      orders: allocationsJson(plan.allocations),
    },
  });
  await messageCustomer(tx, approved, "approved");
  await updateRefundCard(tx, approved);
  // No low-balance alert: the customer asked for this money back; the next crossing by usage alerts as usual.
  return { refund: approved, plan, posting };
}
