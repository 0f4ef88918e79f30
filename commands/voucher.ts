import { z } from "zod";
import { findAccount } from "../src/support/findAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { optionalText, requiredText } from "../src/core/inputs.ts";
import { parseAmount } from "../src/ledger/money.ts";
import { requestAdjustment } from "../src/support/requestAdjustment.ts";
import { deciderOf } from "../src/topups/decider.ts";
import { grantReply } from "../src/views/adjustmentReply.ts";

/**
 * `voucher <account> <amount> <reason>`: compensation into the promo bucket (spendable, never
 * refundable), with a mandatory reason; above ADJUST_APPROVAL_USD it waits for a second member.
 */
export default defineCommand({
  name: "voucher",
  audience: "support",
  auditAction: "voucher.grant",
  descriptionKey: "support_tools.commands.voucher.description",
  options: [
    { name: "account", kind: "string", required: true, descriptionKey: "support_tools.commands.voucher.options.account" },
    { name: "amount", kind: "string", required: true, descriptionKey: "support_tools.commands.voucher.options.amount" },
    { name: "reason", kind: "string", required: true, descriptionKey: "support_tools.commands.voucher.options.reason" },
  ],
  input: z.object({ account: requiredText(200), amount: requiredText(40), reason: optionalText(500) }),
  async handle(input, ctx) {
    const amount = parseAmount(input.amount);
    const { accountId } = await findAccount(ctx.services.prisma, ctx.caller, input.account);
    const outcome = await requestAdjustment(ctx.services, {
      accountId,
      entryType: "voucher",
      bucket: "promo",
      amount,
      reason: input.reason,
      requester: deciderOf(ctx.caller),
    });
    return grantReply(outcome, ctx.t, ctx.services.env.ADJUST_APPROVAL_USD);
  },
});
