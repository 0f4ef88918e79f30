import { chainKeyOf } from "../chain/chainKey.ts";
import { toEvmAddress } from "../chain/tron.ts";
import type { PrismaClient } from "../db/index.ts";
import { isUsdt, type MethodsConfig } from "./methods.ts";

/**
 * Orders and credited logs from before attribution, whose chain the migration could not read from
 * a stored verdict, get it from the payment methods file: the method's chain, token and shared
 * deposit address. Idempotent; run after migrations, where the methods are known. A log that the
 * old per-method rule credited twice keeps its marked key (the migration recorded it for support).
 */
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
