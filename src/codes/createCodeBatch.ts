import { recordAudit } from "../audit/recordAudit.ts";
import type { PrismaClient, Tx } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { toCodeBatch, type CodeBatch } from "./batch.ts";
import { hashRedemptionCode } from "./codeHash.ts";
import { newRedemptionCode, normalizeRedemptionCode } from "./codeFormat.ts";
import type { BatchSpec } from "./parseBatchSpec.ts";

export interface CreateCodeBatchInput {
  spec: BatchSpec;
  /** The HMAC key new codes are stored under (creationKey). */
  key: string;
  /** Days an account counts as new, for a "new accounts" batch (CODES_NEW_ACCOUNT_DAYS). */
  newAccountDays: number;
  /** Who made it, as the audit log names them: a support member or the CLI's operator. */
  createdBy: { type: "support" | "system"; id: string; platform?: string };
  /** The creator's own billing account, if any: it may not redeem these codes. */
  createdByAccount?: string | null;
  /**
   * Runs inside the transaction once the codes are made, before it commits: the CLI writes its
   * CSV here, so that codes nobody could ever see are never committed.
   */
  beforeCommit?: (batch: CodeBatch, codes: string[], tx: Tx) => Promise<void>;
}

export interface CreatedCodeBatch {
  batch: CodeBatch;
  /** The codes in clear, grouped for reading, in batch order (position 1 first). Shown once: never stored. */
  codes: string[];
}

/**
 * Makes a batch of redemption codes: random codes (codeFormat.ts), stored only as HMACs, with the
 * batch's amount, uses per code, expiry and eligibility. The codes are returned once, to be shown
 * or exported; nothing can show them again.
 */
export async function createCodeBatch(prisma: PrismaClient, input: CreateCodeBatchInput): Promise<CreatedCodeBatch> {
  const { spec } = input;
  if (spec.accountIds.length) {
    const found = await prisma.account.findMany({ where: { id: { in: spec.accountIds } }, select: { id: true } });
    const missing = spec.accountIds.filter((id) => !found.some((a) => a.id === id));
    if (missing.length) throw new UserError("codes.errors.unknown_accounts", { ids: missing.join(", ") }, "eligible");
  }
  const codes = distinctCodes(spec.count);
  return prisma.$transaction(
    async (tx) => {
      const row = await tx.redemptionBatch.create({
        data: {
          amount: spec.amount,
          codeCount: spec.count,
          usesPerCode: spec.usesPerCode,
          expiresAt: spec.expiresAt,
          eligibility: spec.eligibility,
          newAccountDays: spec.eligibility === "new" ? input.newAccountDays : null,
          accountIds: spec.accountIds,
          note: spec.note,
          createdBy: input.createdBy.id,
          createdByAccount: input.createdByAccount ?? null,
        },
      });
      await tx.redemptionCode.createMany({
        data: codes.map((code, i) => ({ batchId: row.id, position: i + 1, codeHash: hashRedemptionCode(input.key, normalizeRedemptionCode(code)) })),
      });
      const batch = toCodeBatch(row);
      await recordAudit(tx, {
        actorType: input.createdBy.type,
        actorId: input.createdBy.id,
        platform: input.createdBy.platform,
        action: "redemption_codes.create",
        outcome: "ok",
        detail: {
          batch: batch.batchNo,
          amount: spec.amount.toString(),
          count: spec.count,
          usesPerCode: spec.usesPerCode,
          expiresAt: spec.expiresAt.toISOString(),
          eligibility: spec.eligibility,
          ...(spec.accountIds.length ? { accountIds: spec.accountIds } : {}),
          ...(spec.note ? { note: spec.note } : {}),
        },
      });
      await input.beforeCommit?.(batch, codes, tx);
      return { batch, codes };
    },
    // Ten thousand codes and a file written before the commit take longer than Prisma's 5 s default.
    { timeout: 120_000, maxWait: 10_000 },
  );
}

/**
 * 79 bits make a repeat within a batch, or with any code ever made, practically impossible; a
 * repeat within the batch is still drawn again here, and one across batches would fail the unique
 * index and the whole batch with it, never credit the wrong code.
 */
function distinctCodes(count: number): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(newRedemptionCode());
  return [...codes];
}
