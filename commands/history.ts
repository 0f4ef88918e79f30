import { z } from "zod";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { timeToken } from "../src/core/markup.ts";
import { formatMoney } from "../src/fx/currency.ts";
import { formatDecimal, formatUsd } from "../src/ledger/money.ts";
import { findMethod } from "../src/methods/paymentMethods.ts";
import { listOrders } from "../src/topups/listOrders.ts";
import type { Order } from "../src/topups/order.ts";
import { statusKey } from "../src/topups/orderStatus.ts";

/**
 * The Bills table of the seeds: order no., method, amount, status, time. Only an order that was
 * credited says what was paid and credited; the others show the amount to pay, in what is paid.
 */
export default defineCommand({
  name: "history",
  audience: "customer",
  descriptionKey: "commands.history.description",
  options: [],
  input: z.object({}),
  async handle(_input, ctx) {
    const { t } = ctx;
    const account = await resolveAccount(ctx.services, ctx.caller);
    const orders = await listOrders(ctx.services.prisma, account.id);
    if (orders.length === 0) {
      return { blocks: [{ type: "text", text: t("history.empty") }], private: true, summary: t("history.empty") };
    }
    const lines = orders.map((o) => {
      const method = findMethod(ctx.services.methods, o.methodId);
      const common = {
        order: o.orderNo,
        method: method?.label[ctx.locale] ?? method?.label.en ?? o.methodId,
        status: t(statusKey(o.status)),
        time: timeToken(o.createdAt, "date"),
      };
      if (o.confirmedPrincipal === null) return t("history.line_open", { ...common, amount: paidIn(o, o.methodKind === "usdt" ? o.instructedAmount : o.requestedAmount) });
      return t("history.line_credited", { ...common, paid: paidIn(o, o.confirmedPrincipal), quota: formatUsd(o.confirmedPrincipal + (o.confirmedBonus ?? 0n)) });
    });
    return {
      blocks: [{ type: "header", text: t("history.title") }, { type: "text", text: lines.join("\n") }],
      private: true,
      summary: t("history.title"),
    };
  },
});

/** An amount in what the customer pays: USDT on a USDT network, the order's currency at its rate, or dollars. */
function paidIn(order: Order, usd: bigint): string {
  if (order.methodKind === "usdt") return `${formatDecimal(usd, 0)} USDT`;
  if (order.payAmount !== null && order.currency !== "USD") return formatMoney(order.currency, order.payAmount);
  return formatUsd(usd);
}
