import { z } from "zod";
import { defineCommand } from "../src/core/command.ts";
import { optionalText, requiredText } from "../src/core/inputs.ts";
import { rejectRefund } from "../src/refunds/rejectRefund.ts";
import { deciderOf } from "../src/topups/decider.ts";

/** Support rejects a refund request with a reason the customer reads. */
export default defineCommand({
  name: "refund-reject",
  audience: "support",
  auditAction: "refund.reject",
  descriptionKey: "refunds.command.reject.description",
  options: [
    { name: "request", kind: "string", required: true, descriptionKey: "refunds.command.reject.options.request" },
    { name: "reason", kind: "string", required: false, descriptionKey: "refunds.command.reject.options.reason" },
  ],
  input: z.object({ request: requiredText(64), reason: optionalText(500) }),
  async handle(input, ctx) {
    const { t } = ctx;
    if (!input.reason) {
      return {
        blocks: [{ type: "text", text: t("refunds.reject_form.intro", { refund: input.request }) }],
        private: true,
        form: {
          command: "refund-reject",
          args: { request: input.request },
          title: t("refunds.reject_form.title"),
          submitLabel: t("refunds.reject_form.submit"),
          fields: [{ kind: "text", name: "reason", label: t("refunds.reject_form.reason"), required: true, multiline: true, maxLength: 500, hint: t("refunds.reject_form.reason_hint") }],
        },
      };
    }
    const refund = await rejectRefund(ctx.services, { refundRef: input.request, reason: input.reason, decider: deciderOf(ctx.caller) });
    const text = t("refunds.rejected", { refund: refund.refundNo });
    return { blocks: [{ type: "text", text }], private: true, summary: text };
  },
});
