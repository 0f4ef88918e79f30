import { UserError } from "../errors.ts";
import { formatDecimal, parseAmount } from "../ledger/money.ts";
import type { Caller } from "../core/command.ts";
import type { Services } from "../services.ts";
import { snapshotBonusRule } from "./bonus.ts";
import { allocateInstructedAmount } from "./allocateInstructedAmount.ts";
import { findMethod } from "../methods/paymentMethods.ts";
import { toOrder } from "./order.ts";
import { formatOrderNo } from "./orderStatus.ts";
import { paymentTargetFor, type PaymentTarget } from "./paymentTarget.ts";

/** How many orders a customer may have undecided at once: waiting for payment, or for support's review. */
export const MAX_OPEN_ORDERS = 5;

export interface CreateOrderInput {
  accountId: string;
  caller: Caller;
  methodId: string;
  /** The amount as the customer typed it. */
  amount: string;
}

export async function createOrder(services: Services, input: CreateOrderInput) {
  const method = findMethod(services.methods, input.methodId.trim().toLowerCase());
  if (!method) {
    throw new UserError("errors.unknown_method", { method: input.methodId.slice(0, 40), methods: services.methods.methods.map((m) => m.id).join(", ") }, "method");
  }
  const amount = parseAmount(input.amount, "amount");
  if (amount < method.minimum) throw new UserError("errors.amount_below_minimum", { minimum: formatDecimal(method.minimum, 0) }, "amount");
  if (amount > method.maximum) {
    throw new UserError("errors.amount_above_maximum", { maximum: formatDecimal(method.maximum, 0) }, "amount");
  }

  const now = services.now();
  const order = await services.prisma.$transaction(async (tx) => {
    const account = await tx.account.findUniqueOrThrow({ where: { id: input.accountId } });
    if (account.status !== "active") throw new UserError("errors.account_suspended");
    const open = await tx.topupOrder.count({
      where: { accountId: input.accountId, OR: [{ status: "pending", expiresAt: { gt: now } }, { status: "submitted" }] },
    });
    if (open >= MAX_OPEN_ORDERS) throw new UserError("errors.too_many_open_orders", { max: MAX_OPEN_ORDERS });
    let target: PaymentTarget | null = null;
    let instructed = amount;
    if (method.kind === "usdt") {
      target = await paymentTargetFor(tx, method, input.accountId);
      if (method.attribution === "unique-amount") instructed = await allocateInstructedAmount(tx, target, amount, method.uniqueAmount);
    }
    const [{ seq }] = await tx.$queryRaw<{ seq: bigint }[]>`SELECT nextval(pg_get_serial_sequence('"topup_orders"', 'seq')) AS seq`;
    return tx.topupOrder.create({
      data: {
        seq: Number(seq),
        orderNo: formatOrderNo(Number(seq)),
        accountId: input.accountId,
        methodId: method.id,
        methodKind: method.kind,
        network: method.id,
        requestedAmount: amount,
        instructedAmount: instructed,
        attribution: target?.attribution ?? null,
        payChain: target?.payChain ?? null,
        payToken: target?.payToken ?? null,
        payAddress: target?.payAddress ?? null,
        bonusRule: snapshotBonusRule(method.bonus) as object,
        expiresAt: new Date(now.getTime() + services.env.ORDER_TTL_MINUTES * 60_000),
        surface: input.caller.platform,
        customerWorkspace: input.caller.workspaceId,
        customerUserId: input.caller.userId,
        locale: input.caller.locale,
        createdAt: now,
      },
    });
  });
  return toOrder(order);
}

