import { findAccount } from "./findAccount.ts";
import type { Platform } from "../core/command.ts";
import type { Tx } from "../db/index.ts";

/** Rows per page: ten lines of at most ~300 characters fit a Slack message and a Discord embed. */
export const AUDIT_PAGE_SIZE = 10;

export type AuditTarget = { kind: "account"; accountId: string } | { kind: "order"; orderId: string; orderNo: string; accountId: string };

export interface AuditRow {
  id: bigint;
  createdAt: Date;
  actorType: string;
  actorId: string | null;
  platform: string | null;
  action: string;
  outcome: string;
  orderId: string | null;
  detail: Record<string, unknown> | null;
}

export interface AuditPage {
  target: AuditTarget;
  rows: AuditRow[];
  /** The cursor of the next (older) page; null on the last. */
  nextBefore: bigint | null;
  /** Whether this page starts at the newest row. */
  newest: boolean;
}

/** What `audit <x>` names: an order (by number, id or the hash it cites) or an account (by id or user). */
export async function resolveAuditTarget(tx: Tx, caller: { platform: Platform }, ref: string): Promise<AuditTarget> {
  const match = await findAccount(tx, caller, ref, "target");
  if (match.orderId && match.orderNo) return { kind: "order", orderId: match.orderId, orderNo: match.orderNo, accountId: match.accountId };
  return { kind: "account", accountId: match.accountId };
}

/**
 * One page of the audit log of an account or an order, newest first. Pages are keyed by row id
 * (older than `before`), so rows recorded while support reads never shift a page.
 */
export async function readAuditPage(tx: Tx, target: AuditTarget, options: { before?: bigint; size?: number } = {}): Promise<AuditPage> {
  const size = options.size ?? AUDIT_PAGE_SIZE;
  const rows = await tx.auditLog.findMany({
    where: {
      ...(target.kind === "order" ? { orderId: target.orderId } : { accountId: target.accountId }),
      ...(options.before !== undefined ? { id: { lt: options.before } } : {}),
    },
    orderBy: { id: "desc" },
    take: size + 1,
  });
  const page = rows.slice(0, size).map((r) => ({
    id: r.id,
    createdAt: r.createdAt,
    actorType: r.actorType,
    actorId: r.actorId,
    platform: r.platform,
    action: r.action,
    outcome: r.outcome,
    orderId: r.orderId,
    detail: r.detail && typeof r.detail === "object" && !Array.isArray(r.detail) ? (r.detail as Record<string, unknown>) : null,
  }));
  return { target, rows: page, nextBefore: rows.length > size ? page[page.length - 1].id : null, newest: options.before === undefined };
}
