import { z } from "zod";
import { defineCommand } from "../src/core/command.ts";
import { optionalText, requiredText } from "../src/core/inputs.ts";
import { formatUsd } from "../src/ledger/money.ts";
import { creditTransfer } from "../src/payments/creditTransfer.ts";
import { deciderOf } from "../src/topups/decider.ts";

/** Support credits a payment that matched no order, as it arrived, to an order or an account. */
export default defineCommand({
  name: "payment-credit",
  audience: "support",
  auditAction: "payment.credit",
  descriptionKey: "commands.payment-credit.description",
  options: [
    { name: "payment", kind: "string", required: true, descriptionKey: "commands.payment-credit.options.payment" },
    { name: "target", kind: "string", required: false, descriptionKey: "commands.payment-credit.options.target" },
  ],
  input: z.object({ payment: requiredText(32), target: optionalText(64) }),
  async handle(input, ctx) {
    const { t } = ctx;
    if (!input.target) {
      return {
        blocks: [{ type: "text", text: t("payments.credit_form.intro", { payment: input.payment }) }],
        private: true,
        form: {
          command: "payment-credit",
          args: { payment: input.payment },
          title: t("payments.credit_form.title"),
          submitLabel: t("payments.credit_form.submit"),
          fields: [{ kind: "text", name: "target", label: t("payments.credit_form.target"), required: true, placeholder: "CD-000123", hint: t("payments.credit_form.target_hint"), maxLength: 64 }],
        },
      };
    }
    const { order, paymentNo } = await creditTransfer(ctx.services, { paymentRef: input.payment, target: input.target, decider: deciderOf(ctx.caller) });
    const text = t("payments.credited", {
      payment: paymentNo,
      order: order.orderNo,
      principal: formatUsd(order.confirmedPrincipal ?? 0n),
      bonus: formatUsd(order.confirmedBonus ?? 0n),
    });
    return { blocks: [{ type: "text", text }], private: true, summary: text };
  },
});
