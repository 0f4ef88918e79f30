import { z } from "zod";
import { recordAudit } from "../src/audit/recordAudit.ts";
import { defineCommand } from "../src/core/command.ts";
import { UserError } from "../src/errors.ts";
import { optionalText, requiredText } from "../src/core/inputs.ts";
import { readAuditPage, resolveAuditTarget } from "../src/support/readAuditPage.ts";
import { auditView } from "../src/views/auditView.ts";

/** `audit <account|order>`: its audit log, newest first, a page at a time. */
export default defineCommand({
  name: "audit",
  audience: "support",
  auditAction: "audit.view",
  descriptionKey: "support_tools.commands.audit.description",
  options: [
    { name: "target", kind: "string", required: true, descriptionKey: "support_tools.commands.audit.options.target" },
    { name: "before", kind: "string", required: false, descriptionKey: "support_tools.commands.audit.options.before" },
  ],
  input: z.object({
    target: requiredText(200),
    before: optionalText(20),
    /** Set by the page buttons: the answer replaces the page clicked. */
    nav: optionalText(10),
  }),
  async handle(input, ctx) {
    const { prisma } = ctx.services;
    const target = await resolveAuditTarget(prisma, ctx.caller, input.target);
    if (input.before !== undefined && !/^\d{1,18}$/.test(input.before)) throw new UserError("support_tools.errors.audit_cursor", {}, "before");
    const before = input.before === undefined ? undefined : BigInt(input.before);
    const page = await readAuditPage(prisma, target, { before });
    // Recorded after the page is read, so the reader's own row shows on the next look, not in this page.
    await recordAudit(prisma, {
      actorType: "support",
      actorId: ctx.caller.userId,
      platform: ctx.caller.platform,
      action: "audit.view",
      outcome: "ok",
      accountId: target.accountId,
      orderId: target.kind === "order" ? target.orderId : undefined,
      detail: { target: target.kind, before: input.before ?? null },
    });
    const reply = auditView(page, ctx.t);
    return input.before !== undefined || input.nav ? { ...reply, replaceSource: true } : reply;
  },
});
