import type { PrismaClient } from "../db/index.ts";

export interface ReconcileMismatch {
  accountId: string;
  bucket: string;
  entries: bigint;
  cached: bigint;
}

export interface ReconcileReport {
  accounts: number;
  mismatches: ReconcileMismatch[];
}

/** Proves sum(entries) == cached balance for every account and bucket. */
export async function reconcile(prisma: PrismaClient): Promise<ReconcileReport> {
  const mismatches = await prisma.$queryRaw<{ accountId: string; bucket: string; entries: bigint; cached: bigint }[]>`
    WITH sums AS (
      SELECT "accountId", "bucket", SUM("amount")::bigint AS total FROM "ledger_entries" GROUP BY 1, 2
    )
    SELECT COALESCE(s."accountId", b."accountId")::text AS "accountId",
           COALESCE(s."bucket", b."bucket") AS "bucket",
           COALESCE(s.total, 0)::bigint AS "entries",
           COALESCE(b."amount", 0)::bigint AS "cached"
    FROM sums s
    FULL OUTER JOIN "balances" b ON b."accountId" = s."accountId" AND b."bucket" = s."bucket"
    WHERE COALESCE(s.total, 0) <> COALESCE(b."amount", 0)
    ORDER BY 1, 2`;
  const [{ count }] = await prisma.$queryRaw<{ count: bigint }[]>`SELECT COUNT(*)::bigint AS count FROM "accounts"`;
  return {
    accounts: Number(count),
    mismatches: mismatches.map((m) => ({ ...m, entries: BigInt(m.entries), cached: BigInt(m.cached) })),
  };
}
