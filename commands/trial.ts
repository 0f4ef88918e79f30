import { z } from "zod";
import { findAccount } from "../src/support/findAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { requiredText } from "../src/core/inputs.ts";
import { formatUsd } from "../src/ledger/money.ts";
import { grantSecondTrialStage } from "../src/support/grantSecondTrialStage.ts";
import { deciderOf } from "../src/topups/decider.ts";

/** `trial <account>`: trial stage 2, after the guided follow-up; once per account. */
export default defineCommand({
  name: "trial",
  audience: "support",
  auditAction: "trial.grant",
  descriptionKey: "support_tools.commands.trial.description",
  options: [{ name: "account", kind: "string", required: true, descriptionKey: "support_tools.commands.trial.options.account" }],
  input: z.object({ account: requiredText(200) }),
  async handle(input, ctx) {
    const { accountId } = await findAccount(ctx.services.prisma, ctx.caller, input.account);
    const posting = await grantSecondTrialStage(ctx.services, { accountId, decider: deciderOf(ctx.caller) });
    const entry = posting.entries[0];
    const text = `✅ ${ctx.t("support_tools.trial.granted", { amount: formatUsd(entry.amount), account: accountId, after: formatUsd(entry.balanceAfter) })}`;
    return { blocks: [{ type: "text", text }], private: true, summary: text };
  },
});
