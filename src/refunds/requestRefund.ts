import { recordAudit } from "../audit/recordAudit.ts";
import type { Caller } from "../core/command.ts";
import { UserError } from "../errors.ts";
import { formatUsd } from "../ledger/money.ts";
import type { Services } from "../services.ts";
import { planRefund, type RefundPlan } from "./planRefund.ts";
import { postRefundCard } from "./refundOutbox.ts";
import { refundQuote, type RefundQuote } from "./refundQuote.ts";
import { toRefund, type Refund } from "./refundRequest.ts";

export interface RequestRefundInput {
  accountId: string;
  caller: Caller;
  /** Omitted: everything that may be asked for now. */
  amount?: bigint;
  reason: string;
}

export interface RequestRefundResult {
  refund: Refund;
  quote: RefundQuote;
  /** What approving it would do on the account as it is now (the bonus to reverse with it). */
  preview: RefundPlan;
}

/**
 * A customer asks for unused principal back: the request and its support card are written, or,
 * when the amount is above what may be asked for, nothing is. The account's row is locked while
 * the amount is checked against the refundable principal and the pending requests, so two
 * requests made at once cannot together ask for more than there is.
 */
export async function requestRefund(services: Services, input: RequestRefundInput): Promise<RequestRefundResult> {
  const { accountId, caller } = input;
  const reason = input.reason.trim();
  if (!reason) throw new UserError("errors.required", { field: "reason" }, "reason");
  return services.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT "id" FROM "accounts" WHERE "id" = ${accountId}::uuid FOR UPDATE`;
    const quote = await refundQuote(tx, accountId);
    const amount = input.amount ?? quote.available;
    refuseAboveAvailable(quote, amount);
    const refund = toRefund(
      await tx.refundRequest.create({
        data: {
          accountId,
          requestedAmount: amount,
          whole: input.amount === undefined,
          reason,
          surface: caller.platform,
          customerWorkspace: caller.workspaceId,
          customerUserId: caller.userId,
          locale: caller.locale,
          createdAt: services.now(),
        },
      }),
    );
    await recordAudit(tx, {
      actorType: "customer",
      actorId: caller.userId,
      platform: caller.platform,
      action: "refund.request",
      outcome: "ok",
      accountId,
      detail: { refund: refund.refundNo, amount: amount.toString(), whole: refund.whole, refundable: quote.refundable.toString() },
    });
    await postRefundCard(tx, refund);
    return { refund, quote, preview: planRefund(quote.orders, amount, quote.bonusBalance) };
  });
}

function refuseAboveAvailable(quote: RefundQuote, amount: bigint): void {
  const { refundable, pending, available } = quote;
  if (available === 0n) {
    if (pending > 0n) throw new UserError("refunds.errors.all_requested", { pending: formatUsd(pending) }, "amount");
    throw new UserError("refunds.errors.nothing_refundable", {}, "amount");
  }
  if (amount <= available) return;
  const params = { amount: formatUsd(amount), refundable: formatUsd(refundable), pending: formatUsd(pending), available: formatUsd(available) };
  throw new UserError(pending > 0n ? "refunds.errors.above_available" : "refunds.errors.above_refundable", params, "amount");
}
