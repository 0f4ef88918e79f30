import { recordAudit } from "../audit/recordAudit.ts";
import type { PrismaClient } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { parseBatchNo, toCodeBatch, type CodeBatch } from "./batch.ts";

export interface DisableCodeBatchInput {
  ref: string;
  by: { type: "support" | "system"; id: string; platform?: string };
  now: Date;
}

/**
 * Disables a batch: none of its codes can be redeemed from then on; what was redeemed stays. The
 * batch's row lock waits for redemptions under way (they hold it shared) and holds back new ones.
 */
export async function disableCodeBatch(prisma: PrismaClient, input: DisableCodeBatchInput): Promise<CodeBatch> {
  const seq = parseBatchNo(input.ref);
  if (seq === null) throw new UserError("codes.errors.batch_format", { value: input.ref.slice(0, 40) }, "batch");
  return prisma.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT "id"::text AS "id" FROM "redemption_batches" WHERE "seq" = ${seq} FOR UPDATE`;
    if (!locked) throw new UserError("codes.errors.batch_not_found", { batch: input.ref.slice(0, 40) }, "batch");
    const current = toCodeBatch(await tx.redemptionBatch.findUniqueOrThrow({ where: { id: locked.id } }));
    if (current.status === "disabled") {
      throw new UserError("codes.errors.already_disabled", { batch: current.batchNo, by: current.disabledBy ?? "?", date: current.disabledAt?.toISOString().slice(0, 16).replace("T", " ") ?? "?" }, "batch");
    }
    const row = await tx.redemptionBatch.update({ where: { id: locked.id }, data: { status: "disabled", disabledBy: input.by.id, disabledAt: input.now } });
    await recordAudit(tx, {
      actorType: input.by.type,
      actorId: input.by.id,
      platform: input.by.platform,
      action: "redemption_codes.disable",
      outcome: "ok",
      detail: { batch: current.batchNo },
    });
    return toCodeBatch(row);
  });
}
