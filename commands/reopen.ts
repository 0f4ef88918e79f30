import { z } from "zod";
import { defineCommand } from "../src/core/command.ts";
import { requiredText } from "../src/core/inputs.ts";
import { deciderOf } from "../src/topups/decider.ts";
import { reopenOrder } from "../src/topups/reopenOrder.ts";

/** Support takes back a rejection: the order is reviewed again, with the proof it had. */
export default defineCommand({
  name: "reopen",
  audience: "support",
  auditAction: "topup.reopen",
  descriptionKey: "commands.reopen.description",
  options: [{ name: "order", kind: "string", required: true, descriptionKey: "commands.reopen.options.order" }],
  input: z.object({ order: requiredText(64) }),
  async handle(input, ctx) {
    const order = await reopenOrder(ctx.services, { orderRef: input.order, decider: deciderOf(ctx.caller) });
    const text = ctx.t("support.reopened", { order: order.orderNo });
    return { blocks: [{ type: "text", text }], private: true, summary: text };
  },
});
