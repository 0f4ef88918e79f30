import { z } from "zod";
import { findAccount } from "../src/support/findAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { optionalText, requiredText } from "../src/core/inputs.ts";
import { suspendAccount } from "../src/support/suspendAccount.ts";
import { deciderOf } from "../src/topups/decider.ts";

/** `suspend <account> <reason>`: no more top-ups, redemptions or refund requests; the gateway is told through the balance API. */
export default defineCommand({
  name: "suspend",
  audience: "support",
  auditAction: "account.suspend",
  descriptionKey: "support_tools.commands.suspend.description",
  options: [
    { name: "account", kind: "string", required: true, descriptionKey: "support_tools.commands.suspend.options.account" },
    { name: "reason", kind: "string", required: true, descriptionKey: "support_tools.commands.suspend.options.reason" },
  ],
  input: z.object({ account: requiredText(200), reason: optionalText(500) }),
  async handle(input, ctx) {
    const { accountId } = await findAccount(ctx.services.prisma, ctx.caller, input.account);
    await suspendAccount(ctx.services, { accountId, decider: deciderOf(ctx.caller), reason: input.reason });
    const text = `⛔ ${ctx.t("support_tools.suspend.done", { account: accountId })}`;
    return { blocks: [{ type: "text", text }], private: true, summary: text };
  },
});
