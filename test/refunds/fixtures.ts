import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { reconcile } from "../../src/ledger/reconcile.ts";
import type { Services } from "../../src/services.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { parseUsageBatch } from "../../src/usage/usageRecord.ts";
import { lastOrderNo, runConsole } from "../helpers/consoleScript.ts";
import { PNG_BYTES } from "../helpers/services.ts";
import { usageRecord } from "../usage/fixtures.ts";

export const USD = 1_000_000n;

const png = path.join(mkdtempSync(path.join(tmpdir(), "cd-refunds-")), "pay.png");
writeFileSync(png, PNG_BYTES);
let hashSeed = 0x5e_0000 + Math.floor(Math.random() * 0xffff) * 0x100;

/** The console's customer and support member for one test. */
export const as = (customer: string, support = "sam") => ({ customer, support });

/**
 * A top-up through the console as a customer makes it, confirmed by support for exactly `usd`
 * (the TRC20 test method's 20% bonus follows the confirmed principal). Returns its order no.
 */
export async function confirmedTopup(services: Services, customer: string, usd: number, support = "sam"): Promise<string> {
  hashSeed += 1;
  const created = await runConsole(services, [`topup trc20 ${usd}`, "1", "0x" + hashSeed.toString(16).padStart(64, "0"), png], as(customer, support));
  const orderNo = lastOrderNo(created);
  const confirmed = await runConsole(services, ["/as support", `confirm ${orderNo} ${usd}`], as(customer, support));
  expect(confirmed).toContain(`Order ${orderNo} confirmed`);
  return orderNo;
}

export async function accountOf(services: Services, userId: string, platform = "console"): Promise<string> {
  const identity = await services.prisma.chatIdentity.findFirstOrThrow({ where: { platform, userId } });
  return identity.accountId;
}

/** Usage through the ledger's usage writer, as the usage API debits it (trial → promo → bonus → principal). */
export async function spend(services: Services, accountId: string, cost: bigint): Promise<void> {
  const { valid } = parseUsageBatch({ records: [usageRecord(accountId, cost)] });
  const result = await ingestUsage(services.prisma, valid, { driver: services.db.driver });
  expect(result.accepted).toHaveLength(1);
}

export async function buckets(services: Services, accountId: string): Promise<Record<string, bigint>> {
  const rows = await services.prisma.balance.findMany({ where: { accountId } });
  return Object.fromEntries(rows.map((r) => [r.bucket, r.amount]));
}

/** The refund request numbers an output mentions, last one last. */
export function lastRefundNo(output: string): string {
  const all = [...output.matchAll(/RF-\d{6}/g)];
  if (all.length === 0) throw new Error(`no refund number in:\n${output}`);
  return all[all.length - 1][0];
}

/** Everything a refused refund command could have written. */
export async function snapshot(services: Services) {
  const p = services.prisma;
  return {
    refunds: await p.refundRequest.findMany({ orderBy: { seq: "asc" }, select: { id: true, status: true, requestedAmount: true } }),
    postings: await p.posting.count(),
    entries: await p.ledgerEntry.count(),
    balances: await p.balance.findMany({ orderBy: [{ accountId: "asc" }, { bucket: "asc" }] }),
    orders: await p.topupOrder.findMany({ orderBy: { seq: "asc" }, select: { id: true, status: true, refundedPrincipal: true, reversedBonus: true } }),
    outbox: await p.outboxMessage.count(),
  };
}

export async function expectReconciled(services: Services): Promise<void> {
  expect((await reconcile(services.prisma)).mismatches).toEqual([]);
}
