import type { Tx } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { parseBatchNo } from "./batch.ts";
import { listCodeBatches, type CodeBatchUsage } from "./listCodeBatches.ts";

/** One batch by its number (RC-000012, or 12), with its usage counts. */
export async function findCodeBatch(tx: Tx, ref: string): Promise<CodeBatchUsage> {
  const seq = parseBatchNo(ref);
  if (seq === null) throw new UserError("codes.errors.batch_format", { value: ref.slice(0, 40) }, "batch");
  const [found] = await listCodeBatches(tx, { seqs: [seq], limit: 1 });
  if (!found) throw new UserError("codes.errors.batch_not_found", { batch: ref.slice(0, 40) }, "batch");
  return found;
}
