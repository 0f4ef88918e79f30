import type { Tx } from "../db/index.ts";

export interface AuditInput {
  actorType: "customer" | "support" | "system";
  actorId?: string;
  platform?: string;
  /** What was attempted: "topup.confirm", "topup.reject", "account.lookup", … */
  action: string;
  /** "ok", or "refused:<reason>" for an attempt that changed nothing. */
  outcome: string;
  orderId?: string;
  accountId?: string;
  detail?: Record<string, unknown>;
}

/** Every support decision and every refused attempt is recorded. */
export async function recordAudit(tx: Tx, input: AuditInput): Promise<void> {
  await tx.auditLog.create({
    data: {
      actorType: input.actorType,
      actorId: input.actorId ?? null,
      platform: input.platform ?? null,
      action: input.action,
      outcome: input.outcome,
      orderId: input.orderId ?? null,
      accountId: input.accountId ?? null,
      detail: (input.detail ?? undefined) as object | undefined,
    },
  });
}
