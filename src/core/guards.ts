import { recordAudit } from "../audit/recordAudit.ts";
import { UserError } from "../errors.ts";
import type { CommandContext } from "./command.ts";

/** Support commands run only for members the platform adapter recognised; a refusal is recorded. */
export async function requireSupport(ctx: CommandContext, action: string, detail?: Record<string, unknown>): Promise<void> {
  if (ctx.caller.isSupport) return;
  await recordAudit(ctx.services.prisma, {
    actorType: "customer",
    actorId: ctx.caller.userId,
    platform: ctx.caller.platform,
    action,
    outcome: "refused:not_support",
    detail,
  });
  throw new UserError("errors.not_support");
}
