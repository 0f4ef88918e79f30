import { z } from "zod";
import { defineCommand } from "../src/core/command.ts";
import { optionalText, requiredText } from "../src/core/inputs.ts";
import { formatUsd } from "../src/ledger/money.ts";
import { approveRefund } from "../src/refunds/approveRefund.ts";
import { deciderOf } from "../src/topups/decider.ts";

/** Support approves a refund request once the money is sent, naming the outgoing payment. */
export default defineCommand({
  name: "refund-approve",
  audience: "support",
  auditAction: "refund.approve",
  descriptionKey: "refunds.command.approve.description",
  options: [
    { name: "request", kind: "string", required: true, descriptionKey: "refunds.command.approve.options.request" },
    { name: "reference", kind: "string", required: false, descriptionKey: "refunds.command.approve.options.reference" },
  ],
  input: z.object({ request: requiredText(64), reference: optionalText(200) }),
  async handle(input, ctx) {
    const { t } = ctx;
    if (!input.reference) {
      return {
        blocks: [{ type: "text", text: t("refunds.approve_form.intro", { refund: input.request }) }],
        private: true,
        form: {
          command: "refund-approve",
          args: { request: input.request },
          title: t("refunds.approve_form.title"),
          submitLabel: t("refunds.approve_form.submit"),
          fields: [
            { kind: "text", name: "reference", label: t("refunds.approve_form.reference"), required: true, maxLength: 200, hint: t("refunds.approve_form.reference_hint") },
          ],
        },
      };
    }
    const { refund, plan } = await approveRefund(ctx.services, { refundRef: input.request, paymentReference: input.reference, decider: deciderOf(ctx.caller) });
    const text = t(plan.bonusReversed < plan.bonusDue ? "refunds.approved_bonus_spent" : "refunds.approved", {
      refund: refund.refundNo,
      principal: formatUsd(plan.principal),
      bonus: formatUsd(plan.bonusReversed),
      due: formatUsd(plan.bonusDue),
    });
    return { blocks: [{ type: "text", text }], private: true, summary: text };
  },
});
