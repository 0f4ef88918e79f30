import type { Tx } from "../db/index.ts";
import { toCodeBatch, type CodeBatch } from "./batch.ts";

/** A batch with how much it has been used. */
export interface CodeBatchUsage {
  batch: CodeBatch;
  /** Redemptions across all its codes, and the most there can be (codes × uses per code). */
  redemptions: number;
  capacity: number;
  /** Codes redeemed at least once, and codes with no use left. */
  codesUsed: number;
  codesExhausted: number;
  /** What its redemptions have credited (micro-USD). */
  credited: bigint;
  /** Distinct accounts that redeemed one of its codes. */
  accounts: number;
}

/** The newest batches first, each with its usage counts. */
export async function listCodeBatches(tx: Tx, options: { limit?: number; seqs?: number[] } = {}): Promise<CodeBatchUsage[]> {
  const rows = await tx.redemptionBatch.findMany({
    where: options.seqs ? { seq: { in: options.seqs } } : {},
    orderBy: { seq: "desc" },
    take: options.limit ?? 20,
  });
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const codes = await tx.redemptionCode.groupBy({ by: ["batchId"], where: { batchId: { in: ids }, uses: { gt: 0 } }, _count: { _all: true } });
  const redemptions = await tx.redemption.groupBy({ by: ["batchId"], where: { batchId: { in: ids } }, _count: { _all: true }, _sum: { amount: true } });
  const exhausted = await Promise.all(
    rows.map((r) => tx.redemptionCode.count({ where: { batchId: r.id, uses: { gte: r.usesPerCode } } })),
  );
  const accounts = await Promise.all(
    rows.map(async (r) => (await tx.redemption.groupBy({ by: ["accountId"], where: { batchId: r.id } })).length),
  );
  return rows.map((row, i) => {
    const used = redemptions.find((g) => g.batchId === row.id);
    return {
      batch: toCodeBatch(row),
      redemptions: used?._count._all ?? 0,
      capacity: row.codeCount * row.usesPerCode,
      codesUsed: codes.find((g) => g.batchId === row.id)?._count._all ?? 0,
      codesExhausted: exhausted[i],
      credited: used?._sum.amount ?? 0n,
      accounts: accounts[i],
    };
  });
}
