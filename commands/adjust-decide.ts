import { z } from "zod";
import { defineCommand } from "../src/core/command.ts";
import { requiredText } from "../src/core/inputs.ts";
import { UserError } from "../src/errors.ts";
import { translate } from "../src/i18n.ts";
import { approveAdjustment } from "../src/support/approveAdjustment.ts";
import { declineAdjustment } from "../src/support/declineAdjustment.ts";
import { deciderOf } from "../src/topups/decider.ts";
import { decisionReply } from "../src/views/adjustmentReply.ts";

const DECISIONS = ["approve", "decline"] as const;

/** Approve or Decline on an adjustment's card: the second pair of eyes. */
export default defineCommand({
  name: "adjust-decide",
  audience: "support",
  auditAction: "adjustment.decide",
  descriptionKey: "support_tools.commands.adjust-decide.description",
  options: [
    { name: "request", kind: "string", required: true, descriptionKey: "support_tools.commands.adjust-decide.options.request" },
    {
      name: "decision",
      kind: "string",
      required: true,
      descriptionKey: "support_tools.commands.adjust-decide.options.decision",
      choices: (_services, locale) => DECISIONS.map((d) => ({ value: d, label: translate(locale, `support_tools.decision.${d}`) })),
    },
  ],
  input: z.object({
    request: requiredText(64),
    decision: requiredText(20),
  }),
  async handle(input, ctx) {
    const decider = deciderOf(ctx.caller);
    const decision = DECISIONS.find((d) => d === input.decision.toLowerCase());
    if (!decision) throw new UserError("support_tools.errors.decision", {}, "decision");
    if (decision === "approve") {
      const { adjustment, posting } = await approveAdjustment(ctx.services, { ref: input.request, approver: decider });
      return decisionReply(adjustment, ctx.t, posting);
    }
    return decisionReply(await declineAdjustment(ctx.services, { ref: input.request, decider }), ctx.t);
  },
});
