import type { Tx } from "../db/index.ts";
import { queryVia } from "../db/sqlQuery.ts";
import { listOrders } from "../topups/listOrders.ts";
import type { Order } from "../topups/order.ts";
import { accountSummary, type AccountSummary } from "../accounts/accountSummary.ts";

export type AccountStatus = "active" | "suspended";

export interface AccountIdentity {
  platform: string;
  workspaceId: string;
  userId: string;
  displayName: string | null;
}

/** Who suspended the account, when and why: the audit row of the suspension in force. */
export interface Suspension {
  by: string | null;
  at: Date;
  reason: string | null;
}

export interface AccountDetails {
  summary: AccountSummary;
  status: AccountStatus;
  suspension: Suspension | null;
  identities: AccountIdentity[];
  orders: Order[];
  createdAt: Date;
}

/** What support sees of one account: balance by bucket, status, identities, recent orders and entries. */
export async function accountDetails(tx: Tx, accountId: string, options: { orders?: number; entries?: number } = {}): Promise<AccountDetails> {
  const account = await tx.account.findUniqueOrThrow({ where: { id: accountId }, select: { status: true, createdAt: true } });
  const status: AccountStatus = account.status === "suspended" ? "suspended" : "active";
  const summary = await accountSummary(queryVia(tx), accountId, { recent: options.entries ?? 8 });
  const identities = await tx.chatIdentity.findMany({
    where: { accountId },
    orderBy: { createdAt: "asc" },
    select: { platform: true, workspaceId: true, userId: true, displayName: true },
  });
  const orders = await listOrders(tx, accountId, options.orders ?? 5);
  return { summary, status, suspension: status === "suspended" ? await suspensionOf(tx, accountId) : null, identities, orders, createdAt: account.createdAt };
}

async function suspensionOf(tx: Tx, accountId: string): Promise<Suspension | null> {
  const row = await tx.auditLog.findFirst({
    where: { accountId, action: "account.suspend", outcome: "ok" },
    orderBy: { id: "desc" },
    select: { actorId: true, createdAt: true, detail: true },
  });
  if (!row) return null;
  const reason = (row.detail as { reason?: unknown } | null)?.reason;
  return { by: row.actorId, at: row.createdAt, reason: typeof reason === "string" ? reason : null };
}
