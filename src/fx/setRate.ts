import { recordAudit } from "../audit/recordAudit.ts";
import type { PrismaClient } from "../db/index.ts";
import { formatRate } from "./currency.ts";

export interface SetRateInput {
  currency: string;
  /** micro-units of the currency per USD, already checked to be above 0 */
  rate: bigint;
  /** Who set it, as the audit log names them ("operator" on the CLI, with the login when known). */
  setBy: string;
}

/**
 * Sets the rate new orders in a currency are priced at, and records who changed it from what.
 * Orders already made keep their own rate: nothing else is touched.
 */
export async function setRate(prisma: PrismaClient, input: SetRateInput): Promise<{ previous: bigint | null }> {
  if (input.rate <= 0n) throw new RangeError("a rate must be above 0");
  return prisma.$transaction(async (tx) => {
    const before = await tx.fxRate.findUnique({ where: { currency: input.currency } });
    await tx.fxRate.upsert({
      where: { currency: input.currency },
      create: { currency: input.currency, rate: input.rate, setBy: input.setBy },
      update: { rate: input.rate, setBy: input.setBy, updatedAt: new Date() },
    });
    await recordAudit(tx, {
      actorType: "system",
      actorId: input.setBy,
      platform: "cli",
      action: "fx.rate_set",
      outcome: "ok",
      detail: { currency: input.currency, rate: formatRate(input.rate), previous: before ? formatRate(before.rate) : null },
    });
    return { previous: before?.rate ?? null };
  });
}
