import { z } from "zod";
import { findAccount } from "../src/support/findAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { optionalText, requiredText } from "../src/core/inputs.ts";
import { translate } from "../src/i18n.ts";
import { BUCKETS } from "../src/ledger/types.ts";
import { deciderOf } from "../src/topups/decider.ts";
import { parseBucket, parseSignedAmount } from "../src/support/parseSignedAmount.ts";
import { requestAdjustment } from "../src/support/requestAdjustment.ts";
import { grantReply } from "../src/views/adjustmentReply.ts";

/**
 * `adjust <account> <±amount> <bucket> <reason>`: an admin adjustment, with a mandatory reason.
 * Above ADJUST_APPROVAL_USD it waits for a second support member (its card has Approve / Decline).
 */
export default defineCommand({
  name: "adjust",
  audience: "support",
  auditAction: "adjustment.request",
  descriptionKey: "support_tools.commands.adjust.description",
  options: [
    { name: "account", kind: "string", required: true, descriptionKey: "support_tools.commands.adjust.options.account" },
    { name: "amount", kind: "string", required: true, descriptionKey: "support_tools.commands.adjust.options.amount" },
    {
      name: "bucket",
      kind: "string",
      required: true,
      descriptionKey: "support_tools.commands.adjust.options.bucket",
      choices: (_services, locale) => BUCKETS.map((b) => ({ value: b, label: translate(locale, `balance.${b}`) })),
    },
    { name: "reason", kind: "string", required: true, descriptionKey: "support_tools.commands.adjust.options.reason" },
  ],
  input: z.object({
    account: requiredText(200),
    amount: requiredText(40),
    bucket: requiredText(20),
    // Checked by the domain, so that a missing reason gets its own message.
    reason: optionalText(500),
  }),
  async handle(input, ctx) {
    const amount = parseSignedAmount(input.amount);
    const bucket = parseBucket(input.bucket);
    const { accountId } = await findAccount(ctx.services.prisma, ctx.caller, input.account);
    const outcome = await requestAdjustment(ctx.services, {
      accountId,
      entryType: "admin_adjustment",
      bucket,
      amount,
      reason: input.reason,
      requester: deciderOf(ctx.caller),
    });
    return grantReply(outcome, ctx.t, ctx.services.env.ADJUST_APPROVAL_USD);
  },
});
