import { z } from "zod";
import { verdictBlocks } from "../src/views/verdictBlocks.ts";
import { recheckOrder } from "../src/payments/recheckOrder.ts";
import { defineCommand } from "../src/core/command.ts";
import { requiredText } from "../src/core/inputs.ts";

/** Support's "Re-check chain": verify the order's transaction now; it credits nothing. */
export default defineCommand({
  name: "recheck",
  audience: "support",
  auditAction: "topup.recheck",
  descriptionKey: "commands.recheck.description",
  options: [{ name: "order", kind: "string", required: true, descriptionKey: "commands.recheck.options.order" }],
  input: z.object({ order: requiredText(64) }),
  async handle(input, ctx) {
    const { order, verdict } = await recheckOrder(ctx.services, input.order);
    const text = ctx.t("chain.recheck.done", { order: order.orderNo });
    return { blocks: [{ type: "text", text }, ...verdictBlocks(verdict, ctx.t)], private: true, summary: text };
  },
});
