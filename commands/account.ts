import { z } from "zod";
import { accountDetails } from "../src/support/accountDetails.ts";
import { findAccount } from "../src/support/findAccount.ts";
import { recordAudit } from "../src/audit/recordAudit.ts";
import { defineCommand } from "../src/core/command.ts";
import { requiredText } from "../src/core/inputs.ts";
import { invitesOfAccount } from "../src/invites/invitesOfAccount.ts";
import { listPendingAdjustments } from "../src/support/listPendingAdjustments.ts";
import { accountView } from "../src/views/accountView.ts";

/**
 * Support looks up an account by a mention, a user id, the account id, an order number or a
 * transaction hash: status, balance by bucket, identities, recent orders and entries.
 */
export default defineCommand({
  name: "account",
  audience: "support",
  auditAction: "account.lookup",
  descriptionKey: "support_tools.commands.account.description",
  options: [{ name: "query", kind: "string", required: true, descriptionKey: "support_tools.commands.account.options.query" }],
  input: z.object({ query: requiredText(200) }),
  async handle(input, ctx) {
    const { prisma } = ctx.services;
    const match = await findAccount(prisma, ctx.caller, input.query, "query");
    const details = await accountDetails(prisma, match.accountId);
    const pending = await listPendingAdjustments(prisma, match.accountId);
    const invites = await invitesOfAccount(prisma, match.accountId);
    // Looking at a customer's account is a support action too.
    await recordAudit(prisma, {
      actorType: "support",
      actorId: ctx.caller.userId,
      platform: ctx.caller.platform,
      action: "account.lookup",
      outcome: "ok",
      accountId: match.accountId,
      orderId: match.orderId,
      detail: { query: input.query.slice(0, 120), via: match.via },
    });
    return accountView({ details, match, pending, invites }, ctx.t);
  },
});
