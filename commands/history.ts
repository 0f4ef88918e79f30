import { z } from "zod";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { formatTime } from "../src/core/format.ts";
import { formatUsd } from "../src/ledger/money.ts";
import { findMethod } from "../src/methods/paymentMethods.ts";
import { listOrders } from "../src/topups/listOrders.ts";
import { statusKey } from "../src/topups/orderStatus.ts";

/** The Bills table of the seeds: order no., method, quota credited, amount paid, status, time. */
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
      const quota = o.confirmedPrincipal !== null ? formatUsd(o.confirmedPrincipal + (o.confirmedBonus ?? 0n)) : "—";
      return t("history.line", {
        order: o.orderNo,
        method: method?.label[ctx.locale] ?? method?.label.en ?? o.methodId,
        quota,
        paid: formatUsd(o.confirmedPrincipal ?? o.requestedAmount),
        status: t(statusKey(o.status)),
        time: formatTime(o.createdAt),
      });
    });
    return {
      blocks: [{ type: "header", text: t("history.title") }, { type: "text", text: lines.join("\n") }],
      private: true,
      summary: t("history.title"),
    };
  },
});
