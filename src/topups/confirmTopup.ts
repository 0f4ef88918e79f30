import { recordAudit } from "../audit/recordAudit.ts";
import { findAccountOf } from "../accounts/resolveAccount.ts";
import { chainKeyOf } from "../chain/chainKey.ts";
import type { Tx } from "../db/index.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";
import { enqueue } from "../notify/outbox.ts";
import { UserError } from "../errors.ts";
import { formatDecimal, formatUsd, tokenUnitsToMicros } from "../ledger/money.ts";
import { formatMoney, formatRate } from "../fx/currency.ts";
import { postEntries, type PostingResult } from "../ledger/postEntries.ts";
import type { Services } from "../services.ts";
import { bonusToCredit, discountToCredit } from "./bonusToCredit.ts";
import { principalToCredit } from "./principalToCredit.ts";
import { updateSupportCard } from "./cardOutbox.ts";
import { orderMessageOutbox } from "./customerMessages.ts";
import { deciderLabel, type Decider } from "./decider.ts";
import { findOrder, lockOrder } from "./findOrder.ts";
import { updateOrder, type Order } from "./order.ts";
import { findMethod, isUsdt } from "../methods/paymentMethods.ts";
import { assertTransition, type OrderStatus } from "./orderStatus.ts";
import { Refusal, refuse } from "./refusal.ts";
import { countPosted } from "../metrics.ts";
import { afterBalanceChange } from "../notify/lowBalance.ts";

export interface CreditedLogInput {
  /** The transaction of the log: the order's cited hash when omitted. */
  txHash?: string;
  logIndex: number;
  amountRaw: string;
  /** The log's recipient (0x form), to check it is no other open order's exact amount. */
  to?: string;
}

export interface ConfirmInput {
  orderRef: string;
  decider: Decider;
  /** Support may credit another principal than the one asked for (what actually arrived). */
  principal?: bigint;
  /** The chain logs this credit consumes; each (chain, hash, log index) can be credited once. */
  creditedLogs?: CreditedLogInput[];
}

export interface ConfirmResult {
  order: Order;
  posting: PostingResult;
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
  await refuseOwnAccount(services, decider, "topup.confirm", found.accountId, refs);
  if (input.principal !== undefined) checkOverride(services, found, input.principal);

  try {
    const result = await services.prisma.$transaction(async (tx) => {
      const order = await lockOrder(tx, found.id);
      return confirmLockedOrder(tx, services, order, { decider, principal: input.principal, creditedLogs: input.creditedLogs, from: ["submitted"] });
    });
    countPosted(result.posting);
    return result;
  } catch (err) {
    if (err instanceof Refusal) return refuse(services, decider, "topup.confirm", err.reason, err.error, refs);
    // Two orders citing one transfer, confirmed at the same moment: the chain key let one through.
    if (isUniqueViolation(err)) return refuse(services, decider, "topup.confirm", "log_already_credited", new UserError("errors.transfer_credited", { order: "?" }), refs);
    throw err;
  }
}

/** Support's typed principal: above zero, and within the method's maximum (an order's own suffix aside). */
function checkOverride(services: Services, order: Order, principal: bigint): void {
  if (principal <= 0n) throw new UserError("errors.amount_zero", {}, "amount");
  const method = findMethod(services.methods, order.methodId);
  if (!method) return;
  const ceiling = method.maximum > order.instructedAmount ? method.maximum : order.instructedAmount;
  if (principal > ceiling) throw new UserError("errors.amount_above_maximum", { maximum: formatUsd(method.maximum) }, "amount");
}

/** A support member never decides an order of their own account; the refusal is recorded. */
export async function refuseOwnAccount(services: Services, decider: Decider, action: string, accountId: string, refs: { orderId?: string; accountId?: string }): Promise<void> {
  if (decider.type !== "support" || !decider.platform || !decider.userId) return;
  const own = await findAccountOf(services, { platform: decider.platform, workspaceId: decider.workspaceId ?? "", userId: decider.userId });
  if (own === accountId) await refuse(services, decider, action, "own_account", new UserError("errors.own_order"), refs);
}

export interface ConfirmLockedOptions {
  decider: Decider;
  principal?: bigint;
  creditedLogs?: CreditedLogInput[];
  /** The statuses this confirmation may start from: a click confirms a submitted order only. */
  from: readonly OrderStatus[];
  /** What the audit row says besides the amounts. */
  auditDetail?: Record<string, unknown>;
}

/**
 * The confirmation itself, on an order the caller has locked in its transaction: the ledger
 * posting (idempotent on the order), the chain logs it consumes (unique per chain), the order's
 * new state, the audit row, the customer's message and the card edit. Throws a Refusal (to roll
 * back and record) when the order may not be confirmed.
 */
export async function confirmLockedOrder(tx: Tx, services: Services, order: Order, options: ConfirmLockedOptions): Promise<ConfirmResult> {
  const { decider } = options;
  const { status } = order;
  try {
    assertTransition(status, "confirmed", order.orderNo, options.from);
  } catch (err) {
    throw new Refusal(`status_${status}`, err as UserError);
  }
  const creditedLogs = options.creditedLogs ?? verifiedLogs(order);
  const chainKey = chainKeyOfOrder(services, order);
  if (creditedLogs.length && chainKey) await refuseLogsOfOtherOrders(tx, services, order, chainKey, creditedLogs);

  const principal = principalToCredit(order, options.principal);
  // A preset's discount rides in the bonus line: spendable, never refundable, and a refund pays
  // back principal only (what the customer actually paid).
  const bonus = bonusToCredit(order, principal);
  const discount = discountToCredit(order, principal);
  const actor = { type: decider.type, id: decider.userId ?? "system" } as const;
  const posting = await postEntries(tx, {
    idempotencyKey: `topup:${order.id}`,
    lines: [
      { accountId: order.accountId, type: "usdt_topup", bucket: "principal", amount: principal },
      ...(bonus > 0n ? [{ accountId: order.accountId, type: "topup_bonus" as const, bucket: "bonus" as const, amount: bonus }] : []),
    ],
    actor,
    reference: order.orderNo,
    memo: topupMemo(order, discount),
  });
  const logs = creditedLogs.flatMap((log) => {
    const txHash = log.txHash ?? order.txHash;
    return txHash ? [{ ...log, txHash }] : [];
  });
  if (logs.length && chainKey) {
    await tx.creditedLog.createMany({
      data: logs.map((log) => ({
        chainKey,
        network: order.network ?? order.methodId,
        txHash: log.txHash,
        logIndex: log.logIndex,
        amountRaw: log.amountRaw,
        orderId: order.id,
      })),
    });
  }
  const confirmed = await updateOrder(tx, order.id, {
      status: "confirmed",
      confirmedPrincipal: principal,
      confirmedBonus: bonus,
      decidedAt: services.now(),
      decidedByType: decider.type,
      decidedById: decider.type === "system" ? "system" : deciderLabel(decider),
    });
  await recordAudit(tx, {
    actorType: decider.type,
    actorId: decider.userId,
    platform: decider.platform,
    action: "topup.confirm",
    outcome: "ok",
    orderId: order.id,
    accountId: order.accountId,
    detail: {
      principal: principal.toString(),
      bonus: bonus.toString(),
      ...(discount > 0n ? { discount: discount.toString(), preset: order.presetAmount?.toString() } : {}),
      ...(order.payAmount !== null ? { currency: order.currency, payAmount: order.payAmount.toString(), fxRate: order.fxRate?.toString() } : {}),
      from: status,
      ...options.auditDetail,
    },
  });
  await enqueue(tx, orderMessageOutbox(confirmed, { kind: "confirmed", automatic: decider.type === "system" }));
  await updateSupportCard(tx, confirmed, "confirmed");
  for (const movement of posting.accounts) await afterBalanceChange(tx, movement, { cause: `topup:${order.id}`, now: services.now() });
  return { order: confirmed, posting };
}

/** The ledger's memo: the order, its method, and what was paid when it was not plain USD. */
function topupMemo(order: Order, discount: bigint): string {
  const notes: string[] = [];
  if (order.payAmount !== null && order.fxRate !== null) notes.push(`paid ${formatMoney(order.currency, order.payAmount)} at ${formatRate(order.fxRate)} ${order.currency}/USD`);
  if (discount > 0n && order.presetAmount !== null) notes.push(`preset ${formatUsd(order.presetAmount)}, ${formatUsd(discount)} discount as bonus`);
  return `Top-up ${order.orderNo} via ${order.methodId}${notes.length ? ` (${notes.join("; ")})` : ""}`;
}

/** The chain an order's payment is on: stored on the order, else the method's (older orders). */
export function chainKeyOfOrder(services: Services, order: Pick<Order, "payChain" | "methodId">): string | null {
  if (order.payChain) return order.payChain;
  const method = findMethod(services.methods, order.methodId);
  return method && isUsdt(method) ? chainKeyOf(method) : null;
}

/**
 * A transfer of exactly another open order's instructed amount, to that order's address, is that
 * order's payment: it is never credited to a different order, whoever clicks.
 */
async function refuseLogsOfOtherOrders(tx: Tx, services: Services, order: Order, chainKey: string, logs: CreditedLogInput[]): Promise<void> {
  const method = findMethod(services.methods, order.methodId);
  const decimals = method && isUsdt(method) ? method.decimals : 6;
  for (const log of logs) {
    const txHash = log.txHash ?? order.txHash;
    const credited = txHash
      ? await tx.creditedLog.findUnique({ where: { chainKey_txHash_logIndex: { chainKey, txHash, logIndex: log.logIndex } }, include: { order: { select: { orderNo: true } } } })
      : null;
    if (credited) throw new Refusal("log_already_credited", new UserError("errors.transfer_credited", { order: credited.order.orderNo }));
    const to = log.to ?? order.payAddress;
    if (!to || !order.payToken) continue;
    const micros = tokenUnitsToMicros(BigInt(log.amountRaw), decimals);
    const other = await tx.topupOrder.findFirst({
      where: {
        id: { not: order.id },
        attribution: "unique-amount",
        status: { in: ["pending", "submitted"] },
        payChain: chainKey,
        payToken: order.payToken,
        payAddress: to,
        instructedAmount: micros,
      },
      select: { orderNo: true },
    });
    if (other) {
      throw new Refusal("transfer_of_other_order", new UserError("errors.transfer_matches_order", { order: other.orderNo, amount: formatDecimal(micros) }));
    }
  }
}

/** The chain logs a stored verdict matched: what a click on Confirm consumes, like the watcher's credit. */
function verifiedLogs(order: Order): CreditedLogInput[] {
  const { verdict } = order;
  return (verdict?.transferLogs ?? []).map((log) => ({ txHash: verdict?.txHash, logIndex: log.logIndex, amountRaw: log.amountRaw, to: log.to }));
}
