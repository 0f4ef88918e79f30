import { z } from "zod";
import { defineCommand } from "../src/core/command.ts";
import { optionalText, requiredText } from "../src/core/inputs.ts";
import { dismissTransfer } from "../src/payments/creditTransfer.ts";
import { deciderOf } from "../src/topups/decider.ts";

/** Support sets a payment that matched no order aside, with a note saying why. */
export default defineCommand({
  name: "payment-dismiss",
  audience: "support",
  auditAction: "payment.dismiss",
  descriptionKey: "commands.payment-dismiss.description",
  options: [
    { name: "payment", kind: "string", required: true, descriptionKey: "commands.payment-dismiss.options.payment" },
    { name: "note", kind: "string", required: false, descriptionKey: "commands.payment-dismiss.options.note" },
  ],
  input: z.object({ payment: requiredText(32), note: optionalText(500) }),
  async handle(input, ctx) {
    const { t } = ctx;
    if (!input.note) {
      return {
        blocks: [{ type: "text", text: t("payments.dismiss_form.intro", { payment: input.payment }) }],
        private: true,
        form: {
          command: "payment-dismiss",
          args: { payment: input.payment },
          title: t("payments.dismiss_form.title"),
          submitLabel: t("payments.dismiss_form.submit"),
          fields: [{ kind: "text", name: "note", label: t("payments.dismiss_form.note"), required: true, multiline: true, maxLength: 500 }],
        },
      };
    }
    const dismissed = await dismissTransfer(ctx.services, { paymentRef: input.payment, note: input.note, decider: deciderOf(ctx.caller) });
    const text = t("payments.dismissed", { payment: dismissed.paymentNo });
    return { blocks: [{ type: "text", text }], private: true, summary: text };
  },
});
