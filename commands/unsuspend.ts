import { z } from "zod";
import { findAccount } from "../src/support/findAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { optionalText, requiredText } from "../src/core/inputs.ts";
import { unsuspendAccount } from "../src/support/unsuspendAccount.ts";
import { deciderOf } from "../src/topups/decider.ts";

/** `unsuspend <account> [reason]`: the account may top up, redeem and ask for refunds again. */
export default defineCommand({
  name: "unsuspend",
  audience: "support",
  auditAction: "account.unsuspend",
  descriptionKey: "support_tools.commands.unsuspend.description",
  options: [
    { name: "account", kind: "string", required: true, descriptionKey: "support_tools.commands.unsuspend.options.account" },
    { name: "reason", kind: "string", required: false, descriptionKey: "support_tools.commands.unsuspend.options.reason" },
  ],
  input: z.object({ account: requiredText(200), reason: optionalText(500) }),
  async handle(input, ctx) {
    const { accountId } = await findAccount(ctx.services.prisma, ctx.caller, input.account);
    await unsuspendAccount(ctx.services, { accountId, decider: deciderOf(ctx.caller), reason: input.reason });
    const text = `✅ ${ctx.t("support_tools.unsuspend.done", { account: accountId })}`;
    return { blocks: [{ type: "text", text }], private: true, summary: text };
  },
});
