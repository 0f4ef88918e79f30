import { UserError } from "../errors.ts";
import type { Caller } from "../core/command.ts";
import type { Services } from "../services.ts";
import { snapshotBonusRule } from "./bonus.ts";
import { allocateInstructedAmount } from "./allocateInstructedAmount.ts";
import { toOrder } from "./order.ts";
import { quoteTopup } from "./quoteTopup.ts";
import { formatOrderNo } from "./orderStatus.ts";
import { paymentTargetFor, type PaymentTarget } from "./paymentTarget.ts";

/** How many orders a customer may have undecided at once: waiting for payment, or for support's review. */
export const MAX_OPEN_ORDERS = 5;

export interface CreateOrderInput {
  accountId: string;
  caller: Caller;
  methodId: string;
  /** The amount as the customer typed it (USD, or with the method's currency mark: "¥500"; "preset:200"). */
  amount?: string;
  /** A preset's amount in USD, chosen from the method's presets. */
  preset?: string;
  /**
   * The rate the customer saw on the confirmation and accepted. If the rate in force is another
   * one by the time the order is written, the order is refused rather than priced unseen.
   */
  acceptedRate?: bigint;
}

export async function createOrder(services: Services, input: CreateOrderInput) {
  const now = services.now();
  const order = await services.prisma.$transaction(async (tx) => {
    const quote = await quoteTopup(tx, services.methods, { methodId: input.methodId, amount: input.amount, preset: input.preset }, input.caller.locale);
    if (input.acceptedRate !== undefined && quote.fxRate !== input.acceptedRate) throw new UserError("pricing.errors.rate_changed", {}, "amount");
    const { method, requested: amount } = quote;
    const account = await tx.account.findUniqueOrThrow({ where: { id: input.accountId } });
    if (account.status !== "active") throw new UserError("errors.account_suspended");
    const open = await tx.topupOrder.count({
      where: { accountId: input.accountId, OR: [{ status: "pending", expiresAt: { gt: now } }, { status: "submitted" }] },
    });
    if (open >= MAX_OPEN_ORDERS) throw new UserError("errors.too_many_open_orders", { max: MAX_OPEN_ORDERS });
    let target: PaymentTarget | null = null;
    // In another currency, what the payment buys (at least the amount asked); the unique suffix of a
    // shared USDT address goes on the price asked, a preset's included.
    let instructed = quote.principal;
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
        currency: quote.currency,
        payAmount: quote.payAmount,
        fxRate: quote.fxRate,
        presetAmount: quote.preset?.amount ?? null,
        discountAmount: quote.preset?.discount ?? null,
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

