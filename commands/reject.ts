import { z } from "zod";
import { defineCommand } from "../src/core/command.ts";
import { optionalText, requiredText } from "../src/core/inputs.ts";
import { translate } from "../src/i18n.ts";
import { deciderOf } from "../src/topups/decider.ts";
import { REJECT_REASONS, rejectTopup } from "../src/topups/rejectTopup.ts";

export default defineCommand({
  name: "reject",
  audience: "support",
  auditAction: "topup.reject",
  descriptionKey: "commands.reject.description",
  options: [
    { name: "order", kind: "string", required: true, descriptionKey: "commands.reject.options.order" },
    {
      name: "reason",
      kind: "string",
      required: false,
      descriptionKey: "commands.reject.options.reason",
      choices: (_services, locale) => REJECT_REASONS.map((r) => ({ value: r, label: translate(locale, `topups.reject_reason.${r}`) })),
    },
    { name: "note", kind: "string", required: false, descriptionKey: "commands.reject.options.note" },
  ],
  input: z.object({
    order: requiredText(64),
    reason: z.enum(REJECT_REASONS, { message: "errors.reject_reason" }).optional(),
    note: optionalText(500),
  }),
  async handle(input, ctx) {
    const { t } = ctx;
    if (!input.reason) {
      return {
        blocks: [{ type: "text", text: t("support.reject_form.intro", { order: input.order }) }],
        private: true,
        form: {
          command: "reject",
          args: { order: input.order },
          title: t("support.reject_form.title"),
          submitLabel: t("support.reject_form.submit"),
          fields: [
            {
              kind: "select",
              name: "reason",
              label: t("support.reject_form.reason"),
              required: true,
              options: REJECT_REASONS.map((r) => ({ value: r, label: t(`topups.reject_reason.${r}`) })),
            },
            { kind: "text", name: "note", label: t("support.reject_form.note"), required: false, multiline: true, maxLength: 500, hint: t("support.reject_form.note_hint") },
          ],
        },
      };
    }
    const order = await rejectTopup(ctx.services, { orderRef: input.order, decider: deciderOf(ctx.caller), reason: input.reason, note: input.note });
    const text = t("support.rejected", { order: order.orderNo, reason: t(`topups.reject_reason.${input.reason}`) });
    return { blocks: [{ type: "text", text }], private: true, summary: text };
  },
});

