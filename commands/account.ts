import { z } from "zod";
import { accountSummary, balanceFields } from "../src/accounts/accountSummary.ts";
import { findAccountByQuery } from "../src/accounts/findAccountByQuery.ts";
import { defineCommand } from "../src/core/command.ts";
import { formatTime } from "../src/core/format.ts";
import { requiredText } from "../src/core/inputs.ts";
import { formatUsd } from "../src/ledger/money.ts";
import { listOrders } from "../src/topups/listOrders.ts";
import { statusKey } from "../src/topups/orderStatus.ts";

/** Support looks up an account by its id or by a chat user: balance, orders, entries. */
export default defineCommand({
  name: "account",
  audience: "support",
  auditAction: "account.lookup",
  descriptionKey: "commands.account.description",
  options: [{ name: "query", kind: "string", required: true, descriptionKey: "commands.account.options.query" }],
  input: z.object({ query: requiredText(120) }),
  async handle(input, ctx) {
    const { t } = ctx;
    const accountId = await findAccountByQuery(ctx.services, ctx.caller, input.query);
    const summary = await accountSummary(ctx.services.prisma, accountId, 10);
    const identities = await ctx.services.prisma.chatIdentity.findMany({ where: { accountId } });
    const orders = await listOrders(ctx.services.prisma, accountId, 5);
    const text = [
      t("support.account.identities", { list: identities.map((i) => `${i.platform}:${i.userId}`).join(", ") || "—" }),
      t("support.account.orders"),
      ...orders.map((o) => `• ${o.orderNo} ${formatUsd(o.requestedAmount)} ${t(statusKey(o.status))} (${formatTime(o.createdAt)})`),
      t("support.account.entries"),
      ...summary.recentEntries.map((e) => `• ${formatTime(e.createdAt)} ${e.type}/${e.bucket} ${formatUsd(e.amount)} → ${formatUsd(e.balanceAfter)}`),
    ].join("\n");
    return {
      blocks: [
        { type: "header", text: t("support.account.title", { id: accountId }) },
        {
          type: "fields",
          fields: balanceFields(summary, t),
        },
        { type: "text", text },
      ],
      private: true,
      summary: t("support.account.title", { id: accountId }),
    };
  },
});
