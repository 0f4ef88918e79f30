import { recordAudit } from "../audit/recordAudit.ts";
import { findAccountOf } from "../accounts/resolveAccount.ts";
import { enqueue } from "../notify/outbox.ts";
import { UserError } from "../errors.ts";
import { postEntries, type PostingResult } from "../ledger/postEntries.ts";
import type { Services } from "../services.ts";
import { bonusFor, type BonusRuleSnapshot } from "./bonus.ts";
import { updateSupportCard } from "./cardOutbox.ts";
import { orderMessageOutbox } from "./customerMessages.ts";
import { deciderLabel, type Decider } from "./decider.ts";
import { findOrder, lockOrder, type Order } from "./findOrder.ts";
import { assertTransition, type OrderStatus } from "./orderStatus.ts";
import { Refusal, refuse } from "./refusal.ts";
import { countPosted } from "../metrics.ts";
import { afterBalanceChange } from "../notify/lowBalance.ts";

export interface CreditedLogInput {
  logIndex: number;
  amountRaw: string;
}

export interface ConfirmInput {
  orderRef: string;
  decider: Decider;
  /** Support may credit another principal than the one asked for (what actually arrived). */
  principal?: bigint;
  /** The chain logs this credit consumes; each (network, hash, log index) can be credited once. */
  creditedLogs?: CreditedLogInput[];
}

export interface ConfirmResult {
  order: Order;
  posting: PostingResult;
}

/** The principal to credit: support's figure, else what the chain verified, else what was asked. */
export function principalToCredit(order: Order, override?: bigint): bigint {
  if (override !== undefined) return override;
  const verdict = order.verdict as { amountMicros?: string } | null;
  if (verdict?.amountMicros && BigInt(verdict.amountMicros) > 0n) return BigInt(verdict.amountMicros);
  return order.requestedAmount;
}

/**
 * Confirms a submitted top-up: credits the principal (usdt_topup) and the bonus computed on it
 * (topup_bonus) in one transaction, exactly once however often and by however many it is
 * clicked; tells the customer and updates the card through the outbox in that transaction.
 */
export async function confirmTopup(services: Services, input: ConfirmInput): Promise<ConfirmResult> {
  const found = await findOrder(services.prisma, input.orderRef);
  const { decider } = input;
  const refs = { orderId: found.id, accountId: found.accountId };

  if (decider.type === "support" && decider.platform && decider.userId) {
    const own = await findAccountOf(services, { platform: decider.platform, workspaceId: decider.workspaceId ?? "", userId: decider.userId });
    if (own === found.accountId) {
      await refuse(services, decider, "topup.confirm", "own_account", new UserError("errors.own_order"), refs);
    }
  }
  if (input.principal !== undefined && input.principal <= 0n) throw new UserError("errors.amount_zero", {}, "amount");

  try {
    const result = await services.prisma.$transaction(async (tx) => {
      const order = await lockOrder(tx, found.id);
      const status = order.status as OrderStatus;
      if (status !== "submitted") {
        try {
          assertTransition(status, "confirmed", order.orderNo);
        } catch (err) {
          throw new Refusal(`status_${status}`, err as UserError);
        }
      }
      const principal = principalToCredit(order, input.principal);
      const bonus = bonusFor(principal, order.bonusRule as unknown as BonusRuleSnapshot);
      const actor = { type: decider.type, id: decider.userId ?? "system" } as const;
      const posting = await postEntries(tx, {
        idempotencyKey: `topup:${order.id}`,
        lines: [
          { accountId: order.accountId, type: "usdt_topup", bucket: "principal", amount: principal },
          ...(bonus > 0n ? [{ accountId: order.accountId, type: "topup_bonus" as const, bucket: "bonus" as const, amount: bonus }] : []),
        ],
        actor,
        reference: order.orderNo,
        memo: `Top-up ${order.orderNo} via ${order.methodId}`,
      });
      const creditedLogs = input.creditedLogs ?? verifiedLogs(order);
      if (creditedLogs.length && order.network && order.txHash) {
        await tx.creditedLog.createMany({
          data: creditedLogs.map((log) => ({
            network: order.network!,
            txHash: order.txHash!,
            logIndex: log.logIndex,
            amountRaw: log.amountRaw,
            orderId: order.id,
          })),
        });
      }
      const confirmed = await tx.topupOrder.update({
        where: { id: order.id },
        data: {
          status: "confirmed",
          confirmedPrincipal: principal,
          confirmedBonus: bonus,
          decidedAt: services.now(),
          decidedByType: decider.type,
          decidedById: decider.type === "system" ? "system" : deciderLabel(decider),
        },
      });
      await recordAudit(tx, {
        actorType: decider.type,
        actorId: decider.userId,
        platform: decider.platform,
        action: "topup.confirm",
        outcome: "ok",
        ...refs,
        detail: { principal: principal.toString(), bonus: bonus.toString() },
      });
      await enqueue(tx, orderMessageOutbox(confirmed, { kind: "confirmed", automatic: decider.type === "system" }));
      await updateSupportCard(tx, services, confirmed, "confirmed", decider.type === "system" ? undefined : deciderLabel(decider));
      for (const movement of posting.accounts) await afterBalanceChange(tx, movement, { cause: `topup:${order.id}`, now: services.now() });
      return { order: confirmed, posting };
    });
    countPosted(result.posting);
    return result;
  } catch (err) {
    if (err instanceof Refusal) return refuse(services, decider, "topup.confirm", err.reason, err.error, refs);
    throw err;
  }
}

/** The chain logs a stored verdict matched: what a click on Confirm consumes, like the watcher's credit. */
function verifiedLogs(order: Order): CreditedLogInput[] {
  const verdict = order.verdict as { transferLogs?: { logIndex: number; amountRaw: string }[] } | null;
  return (verdict?.transferLogs ?? []).map((log) => ({ logIndex: log.logIndex, amountRaw: log.amountRaw }));
}
