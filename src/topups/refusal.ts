import { recordAudit } from "../audit/recordAudit.ts";
import { UserError } from "../errors.ts";
import type { Services } from "../services.ts";
import type { Decider } from "./decider.ts";

/**
 * A refused decision changes nothing, but it is recorded: the audit row is written on its own,
 * after the decision's transaction rolled back, and the user gets the matching message.
 */
export async function refuse(
  services: Services,
  decider: Decider,
  action: string,
  reason: string,
  error: UserError,
  refs: { orderId?: string; accountId?: string } = {},
): Promise<never> {
  await recordAudit(services.prisma, {
    actorType: decider.type,
    actorId: decider.userId,
    platform: decider.platform,
    action,
    outcome: `refused:${reason}`,
    ...refs,
  });
  throw error;
}

/** Thrown inside a transaction to roll it back and have the refusal recorded afterwards. */
export class Refusal extends Error {
  constructor(
    readonly reason: string,
    readonly error: UserError,
  ) {
    super(reason);
  }
}
