import { z } from "zod";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { requiredText } from "../src/core/inputs.ts";
import { cancelOrder } from "../src/topups/cancelOrder.ts";

export default defineCommand({
  name: "cancel",
  audience: "customer",
  descriptionKey: "commands.cancel.description",
  options: [{ name: "order", kind: "string", required: true, descriptionKey: "commands.cancel.options.order" }],
  input: z.object({ order: requiredText(64) }),
  async handle(input, ctx) {
    const account = await resolveAccount(ctx.services, ctx.caller);
    const order = await cancelOrder(ctx.services, { accountId: account.id, caller: ctx.caller, orderRef: input.order });
    const text = ctx.t("topups.cancelled", { order: order.orderNo });
    return { blocks: [{ type: "text", text }], private: true, summary: text };
  },
});
