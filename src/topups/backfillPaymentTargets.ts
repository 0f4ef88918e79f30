import { chainKeyOf } from "../chain/chainKey.ts";
import { toEvmAddress } from "../chain/tron.ts";
import type { PrismaClient } from "../db/index.ts";
import { isUsdt, type MethodsConfig } from "../methods/paymentMethods.ts";

/**
 * Orders and credited logs from before attribution, whose chain the migration could not read from
 * a stored verdict, get it from the payment methods file: the method's chain, token and shared
 * deposit address. Idempotent; run after migrations, where the methods are known. A log that the
 * old per-method rule credited twice keeps its marked key (the migration recorded it for support).
 */
/** Whether any row still waits for its chain (none once every method was known at one start). */
export async function needsPaymentTargets(prisma: PrismaClient): Promise<boolean> {
  const rows = await prisma.$queryRaw<{ found: number }[]>`
    SELECT 1 AS found WHERE EXISTS (SELECT 1 FROM "topup_orders" WHERE "methodKind" = 'usdt' AND "payChain" IS NULL)
       OR EXISTS (SELECT 1 FROM "credited_logs" WHERE "chainKey" LIKE 'method:%')`;
  return rows.length > 0;
}

export async function backfillPaymentTargets(prisma: PrismaClient, methods: MethodsConfig): Promise<number> {
  let updated = 0;
  for (const method of methods.methods.filter(isUsdt)) {
    const chainKey = chainKeyOf(method);
    if (method.depositAddress) {
      updated += await prisma.$executeRaw`
        UPDATE "topup_orders" SET "payChain" = ${chainKey}, "payToken" = ${toEvmAddress(method.tokenContract)}, "payAddress" = ${toEvmAddress(method.depositAddress)}
        WHERE "methodId" = ${method.id} AND "methodKind" = 'usdt' AND "payChain" IS NULL`;
    }
    updated += await prisma.$executeRaw`
      UPDATE "credited_logs" c SET "chainKey" = ${chainKey}
      WHERE c."chainKey" = ${`method:${method.id}`}
        AND NOT EXISTS (SELECT 1 FROM "credited_logs" d WHERE d."chainKey" = ${chainKey} AND d."txHash" = c."txHash" AND d."logIndex" = c."logIndex")`;
  }
  return updated;
}
