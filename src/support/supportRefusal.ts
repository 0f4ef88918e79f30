import { recordAudit } from "../audit/recordAudit.ts";
import type { UserError } from "../errors.ts";
import type { Services } from "../services.ts";
import type { Decider } from "../topups/decider.ts";

/**
 * A refused support action changes nothing but is recorded, with what was named: the audit row
 * is written on its own, after the action's transaction rolled back, and the member gets the
 * matching message.
 */
export async function refuseAction(
  services: Services,
  decider: Decider,
  action: string,
  reason: string,
  error: UserError,
  refs: { accountId?: string; orderId?: string; detail?: Record<string, unknown> } = {},
): Promise<never> {
  await recordAudit(services.prisma, {
    actorType: decider.type,
    actorId: decider.userId,
    platform: decider.platform,
    action,
    outcome: `refused:${reason}`,
    accountId: refs.accountId,
    orderId: refs.orderId,
    detail: refs.detail,
  });
  throw error;
}
