import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { reconcile } from "../../src/ledger/reconcile.ts";
import type { Services } from "../../src/services.ts";
import { redeemFailureKey } from "../../src/codes/redeemFailures.ts";

export const USD = 1_000_000n;
export const CODE = /\b[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}\b/g;

/** The redemption codes a text shows, in order. */
export function codesIn(text: string): string[] {
  return [...text.matchAll(CODE)].map((m) => m[0]);
}

/** The rows of a codes CSV, header first. */
export function csvRows(text: string): string[][] {
  expect(text.endsWith("\n")).toBe(true);
  return text.trimEnd().split("\n").map((line) => line.split(","));
}

/** The path the console printed for the CSV file of a batch. */
export function csvPathIn(output: string, batch: string): string {
  const match = new RegExp(`(/\\S+redemption-codes-${batch}\\.csv)`).exec(output);
  if (!match) throw new Error(`no CSV file of ${batch} in:\n${output}`);
  return match[1];
}

export function readCsvCodes(file: string): string[] {
  return csvRows(readFileSync(file, "utf8")).slice(1).map((r) => r[2]);
}

/**
 * Everything a refused redemption could have written: the ledger, the codes' use counts, the
 * redemptions, the audit log, the outbox. (Its one trace is the failed-attempt counter, checked
 * on its own.)
 */
export async function written(services: Services) {
  const p = services.prisma;
  return {
    postings: await p.posting.count(),
    entries: await p.ledgerEntry.count(),
    balances: await p.balance.findMany({ orderBy: [{ accountId: "asc" }, { bucket: "asc" }] }),
    redemptions: await p.redemption.count(),
    uses: await p.redemptionCode.findMany({ orderBy: { id: "asc" }, select: { id: true, uses: true } }),
    batches: await p.redemptionBatch.findMany({ orderBy: { seq: "asc" }, select: { seq: true, status: true } }),
    accounts: await p.account.count(),
    audit: await p.auditLog.count(),
    outbox: await p.outboxMessage.count(),
  };
}

/** Failed redemptions counted against an account in all windows. */
export async function failuresOf(services: Services, accountId: string): Promise<number> {
  const rows = await services.prisma.userRateCounter.findMany({ where: { key: redeemFailureKey(accountId) } });
  return rows.reduce((sum, r) => sum + r.count, 0);
}

export async function expectReconciled(services: Services): Promise<void> {
  expect((await reconcile(services.prisma)).mismatches).toEqual([]);
}

export async function accountOf(services: Services, userId: string, platform = "console"): Promise<string> {
  const identity = await services.prisma.chatIdentity.findFirstOrThrow({ where: { platform, userId } });
  return identity.accountId;
}

/** Every text-like column (text, JSON, arrays) of every table whose value matches a regular expression. */
export async function columnsMatching(services: Services, pattern: string): Promise<string[]> {
  const columns = await services.prisma.$queryRaw<{ table_name: string; column_name: string }[]>`
    SELECT c.table_name::text AS table_name, c.column_name::text AS column_name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')`;
  const found: string[] = [];
  for (const { table_name, column_name } of columns) {
    const [row] = await services.prisma.$queryRawUnsafe<{ n: bigint | number }[]>(`SELECT count(*) AS n FROM "${table_name}" WHERE "${column_name}"::text ~* $1`, pattern);
    if (Number(row.n) > 0) found.push(`${table_name}.${column_name}`);
  }
  return found;
}

/** Where the database holds any of the codes in clear, grouped or not: it must hold none, only HMACs. */
export async function codesStoredInClear(services: Services, codes: string[]): Promise<string[]> {
  return columnsMatching(services, codes.flatMap((c) => [c, c.replace(/-/g, "")]).join("|"));
}
