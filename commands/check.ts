import { z } from "zod";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { verdictBlocks } from "../src/views/verdictBlocks.ts";
import { defineCommand } from "../src/core/command.ts";
import { optionalText, requiredText } from "../src/core/inputs.ts";
import { checkTransfer } from "../src/payments/checkTransfer.ts";

/** A customer checks a transaction against their order, as support would see it; nothing is bound or saved. */
export default defineCommand({
  name: "check",
  audience: "customer",
  rateLimit: { max: 30, windowSeconds: 600 },
  descriptionKey: "commands.check.description",
  options: [
    { name: "txHash", kind: "string", required: true, descriptionKey: "commands.check.options.txHash" },
    { name: "order", kind: "string", required: false, descriptionKey: "commands.check.options.order" },
  ],
  input: z.object({ txHash: requiredText(200), order: optionalText(64) }),
  async handle(input, ctx) {
    const account = await resolveAccount(ctx.services, ctx.caller);
    const { order, verdict } = await checkTransfer(ctx.services, { accountId: account.id, txHash: input.txHash, orderRef: input.order });
    const text = ctx.t("payments.check.title", { order: order.orderNo });
    return {
      blocks: [{ type: "header", text }, ...verdictBlocks(verdict, ctx.t, { audience: "customer" }), { type: "context", text: ctx.t("payments.check.nothing_saved") }],
      private: true,
      summary: text,
    };
  },
});
