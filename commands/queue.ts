import { z } from "zod";
import { defineCommand } from "../src/core/command.ts";
import { formatTime } from "../src/core/format.ts";
import { formatUsd } from "../src/ledger/money.ts";
import type { Block } from "../src/reply.ts";

/** Open submissions, oldest first: what support has to decide. */
export default defineCommand({
  name: "queue",
  audience: "support",
  auditAction: "queue.view",
  descriptionKey: "commands.queue.description",
  options: [],
  input: z.object({}),
  async handle(_input, ctx) {
    const { t } = ctx;
    const orders = await ctx.services.prisma.topupOrder.findMany({ where: { status: "submitted" }, orderBy: { submittedAt: "asc" }, take: 20 });
    if (orders.length === 0) return { blocks: [{ type: "text", text: t("support.queue_empty") }], private: true, summary: t("support.queue_empty") };
    const blocks: Block[] = [{ type: "header", text: t("support.queue_title", { count: orders.length }) }];
    for (const o of orders) {
      blocks.push(
        { type: "text", text: t("support.queue_line", { order: o.orderNo, method: o.methodId, amount: formatUsd(o.requestedAmount), time: formatTime(o.submittedAt ?? o.createdAt), account: o.accountId }) },
        {
          type: "buttons",
          buttons: [
            { label: t("topups.card.confirm"), style: "primary", command: "confirm", args: { order: o.orderNo }, confirm: { title: t("topups.card.confirm_title"), text: t("support.queue_confirm_text", { order: o.orderNo }), confirm: t("topups.card.confirm"), deny: t("common.back") } },
            { label: t("topups.card.reject"), style: "danger", command: "reject", args: { order: o.orderNo } },
          ],
        },
      );
    }
    return { blocks, private: true, summary: t("support.queue_title", { count: orders.length }) };
  },
});
