import { assertActive } from "../accounts/assertActive.ts";
import { recordAudit } from "../audit/recordAudit.ts";
import type { Caller } from "../core/command.ts";
import { Prisma, type Tx } from "../db/index.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";
import { UserError } from "../errors.ts";
import { formatUsd } from "../ledger/money.ts";
import { postEntries } from "../ledger/postEntries.ts";
import { countPosted } from "../metrics.ts";
import { afterBalanceChange } from "../notify/lowBalance.ts";
import type { Services } from "../services.ts";
import { toCodeBatch, type CodeBatch } from "./batch.ts";
import { candidateHashes } from "./codeHash.ts";
import { isRedemptionCodeShape, normalizeRedemptionCode } from "./codeFormat.ts";
import { countRedeemFailure, redeemBlockedFor } from "./redeemFailures.ts";

export interface RedeemCodeInput {
  accountId: string;
  /** The code as the customer typed it. */
  code: string;
  caller: Pick<Caller, "platform" | "userId">;
}

export interface RedeemedCode {
  batch: CodeBatch;
  amount: bigint;
  /** The account's balance after the credit. */
  balance: bigint;
}

const DAY_MS = 86_400_000;

/** A redemption refused for what the code is or who asks: it counts against the failure limit. */
class RedeemRefusal extends UserError {}

/**
 * Redeems a code into the account's promo bucket (`redemption_credit`), once per account and code
 * and at most `usesPerCode` times across accounts: the code's row is locked while it is checked
 * and used, so fifty accounts redeeming a single-use code at once get one credit between them.
 * Every refusal writes nothing but a count against the account's failed attempts; past
 * REDEEM_FAILURE_LIMIT the account is refused until its window ends, good code or not.
 */
export async function redeemCode(services: Services, input: RedeemCodeInput): Promise<RedeemedCode> {
  const normalized = normalizeRedemptionCode(input.code);
  // A typo in the shape is no guess at a code: refused with nothing counted.
  if (!isRedemptionCodeShape(normalized)) throw new UserError("codes.errors.code_format", {}, "code");
  const { prisma } = services;
  const now = services.now();
  const blocked = await redeemBlockedFor(prisma, input.accountId, now);
  if (blocked > 0) throw new UserError("codes.errors.slow_down", { minutes: Math.ceil(blocked / 60) }, "code");

  try {
    const result = await prisma.$transaction(async (tx) => {
      await assertActive(tx, input.accountId);
      return redeemLocked(tx, services, input, normalized, now);
    });
    countPosted(result.posting);
    return { batch: result.batch, amount: result.batch.amount, balance: result.posting.accounts[0].after };
  } catch (err) {
    const refusal = err instanceof RedeemRefusal ? err : isUniqueViolation(err) ? new RedeemRefusal("codes.errors.already_redeemed", {}, "code") : null;
    if (!refusal) throw err;
    await countRedeemFailure(prisma, input.accountId, now);
    throw refusal;
  }
}

async function redeemLocked(tx: Tx, services: Services, input: RedeemCodeInput, normalized: string, now: Date) {
  const hashes = candidateHashes(services.env, normalized);
  const [code] = await tx.$queryRaw<{ id: bigint; batchId: string; position: number; uses: number }[]>`
    SELECT "id", "batchId"::text AS "batchId", "position", "uses" FROM "redemption_codes"
    WHERE "codeHash" IN (${Prisma.join(hashes)}) FOR UPDATE`;
  if (!code) throw new RedeemRefusal("codes.errors.unknown_code", {}, "code");
  // Shared: redemptions of a batch run side by side, and disabling it waits for those under way.
  await tx.$queryRaw`SELECT "id" FROM "redemption_batches" WHERE "id" = ${code.batchId}::uuid FOR SHARE`;
  const batch = toCodeBatch(await tx.redemptionBatch.findUniqueOrThrow({ where: { id: code.batchId } }));
  if (batch.status === "disabled") throw new RedeemRefusal("codes.errors.disabled", {}, "code");
  if (batch.expiresAt.getTime() <= now.getTime()) throw new RedeemRefusal("codes.errors.expired", { date: batch.expiresAt.toISOString().slice(0, 10) }, "code");
  if (batch.createdByAccount === input.accountId) throw new RedeemRefusal("codes.errors.own_batch", {}, "code");
  await checkEligible(tx, batch, input.accountId, now);
  const previous = await tx.redemption.findUnique({ where: { codeId_accountId: { codeId: code.id, accountId: input.accountId } }, select: { createdAt: true } });
  if (previous) throw new RedeemRefusal("codes.errors.already_redeemed", {}, "code");
  if (code.uses >= batch.usesPerCode) throw new RedeemRefusal("codes.errors.used_up", {}, "code");

  const key = `redemption:${code.id}:${input.accountId}`;
  const posting = await postEntries(tx, {
    idempotencyKey: key,
    lines: [{ accountId: input.accountId, type: "redemption_credit", bucket: "promo", amount: batch.amount }],
    actor: { type: "customer", id: input.caller.userId },
    reference: batch.batchNo,
    memo: `Redemption code #${code.position} of ${batch.batchNo} (${formatUsd(batch.amount)})`,
  });
  await tx.redemption.create({ data: { codeId: code.id, batchId: batch.id, accountId: input.accountId, amount: batch.amount, postingId: posting.postingId } });
  await tx.redemptionCode.update({ where: { id: code.id }, data: { uses: { increment: 1 } } });
  await recordAudit(tx, {
    actorType: "customer",
    actorId: input.caller.userId,
    platform: input.caller.platform,
    action: "redemption_codes.redeem",
    outcome: "ok",
    accountId: input.accountId,
    detail: { batch: batch.batchNo, position: code.position, amount: batch.amount.toString() },
  });
  for (const movement of posting.accounts) await afterBalanceChange(tx, movement, { cause: key, now });
  return { batch, posting };
}

async function checkEligible(tx: Tx, batch: CodeBatch, accountId: string, now: Date): Promise<void> {
  if (batch.eligibility === "listed" && !batch.accountIds.includes(accountId)) throw new RedeemRefusal("codes.errors.not_listed", {}, "code");
  if (batch.eligibility !== "new") return;
  const account = await tx.account.findUniqueOrThrow({ where: { id: accountId }, select: { createdAt: true } });
  const days = batch.newAccountDays ?? 0;
  if (account.createdAt.getTime() < now.getTime() - days * DAY_MS) throw new RedeemRefusal("codes.errors.not_new", { days }, "code");
}
