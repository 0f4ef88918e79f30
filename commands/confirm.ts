import { z } from "zod";
import { defineCommand } from "../src/core/command.ts";
import { optionalText, requiredText } from "../src/core/inputs.ts";
import { formatUsd, parseAmount } from "../src/ledger/money.ts";
import { confirmTopup } from "../src/topups/confirmTopup.ts";
import { deciderOf } from "../src/topups/decider.ts";

export default defineCommand({
  name: "confirm",
  audience: "support",
  auditAction: "topup.confirm",
  descriptionKey: "commands.confirm.description",
  options: [
    { name: "order", kind: "string", required: true, descriptionKey: "commands.confirm.options.order" },
    { name: "amount", kind: "string", required: false, descriptionKey: "commands.confirm.options.amount" },
  ],
  input: z.object({ order: requiredText(64), amount: optionalText(40) }),
  async handle(input, ctx) {
    const principal = input.amount ? parseAmount(input.amount) : undefined;
    const { order } = await confirmTopup(ctx.services, { orderRef: input.order, decider: deciderOf(ctx.caller), principal });
    const text = ctx.t("support.confirmed", {
      order: order.orderNo,
      principal: formatUsd(order.confirmedPrincipal ?? 0n),
      bonus: formatUsd(order.confirmedBonus ?? 0n),
    });
    return { blocks: [{ type: "text", text }], private: true, summary: text };
  },
});
