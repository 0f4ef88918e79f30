import { expect } from "vitest";
import { reconcile } from "../../src/ledger/reconcile.ts";
import type { Services } from "../../src/services.ts";

/** Everything a refused or bad support action could write besides its audit row. */
export async function written(services: Services) {
  const p = services.prisma;
  return {
    postings: await p.posting.count(),
    entries: await p.ledgerEntry.count(),
    balances: await p.balance.findMany({ orderBy: [{ accountId: "asc" }, { bucket: "asc" }] }),
    adjustments: await p.adjustmentRequest.findMany({ orderBy: { seq: "asc" }, select: { seq: true, status: true, postingId: true } }),
    accounts: await p.account.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true } }),
    orders: await p.topupOrder.count(),
    outbox: await p.outboxMessage.count(),
  };
}

export async function expectReconciled(services: Services): Promise<void> {
  expect((await reconcile(services.prisma)).mismatches).toEqual([]);
}

export async function bucketsOf(services: Services, accountId: string): Promise<Record<string, bigint>> {
  const rows = await services.prisma.balance.findMany({ where: { accountId } });
  return Object.fromEntries(rows.filter((r) => r.amount !== 0n).map((r) => [r.bucket, r.amount]));
}

export async function auditRows(services: Services, where: { action?: string; outcome?: string; actorId?: string; accountId?: string }) {
  return services.prisma.auditLog.findMany({ where, orderBy: { id: "asc" } });
}

export const USD = 1_000_000n;
