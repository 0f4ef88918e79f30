import { z } from "zod";
import { applyBps } from "../ledger/money.ts";
import type { BonusPolicy } from "../methods/paymentMethods.ts";

/** The bonus rule as stored on an order when it is created (amounts as strings for JSON). */
export const bonusRuleSchema = z.object({
  flatBps: z.number().int().min(0).default(0),
  tiers: z.array(z.object({ min: z.string().regex(/^\d+$/), exclusive: z.boolean().default(false), bps: z.number().int().min(0) })).default([]),
});
export type BonusRuleSnapshot = z.infer<typeof bonusRuleSchema>;

export function snapshotBonusRule(policy: BonusPolicy): BonusRuleSnapshot {
  return {
    flatBps: policy.flatBps,
    tiers: policy.tiers.map((t) => ({ min: t.min.toString(), exclusive: t.exclusive, bps: t.bps })),
  };
}

/** The tier rate a principal reaches: the highest threshold it meets (strictly above, for exclusive ones). */
export function tierBpsFor(principal: bigint, rule: BonusRuleSnapshot): number {
  let best: { min: bigint; exclusive: boolean; bps: number } | undefined;
  for (const tier of rule.tiers) {
    const min = BigInt(tier.min);
    const reached = tier.exclusive ? principal > min : principal >= min;
    if (!reached) continue;
    if (!best || min > best.min || (min === best.min && tier.exclusive && !best.exclusive)) {
      best = { min, exclusive: tier.exclusive, bps: tier.bps };
    }
  }
  return best?.bps ?? 0;
}

/** Bonus credit on a confirmed principal: the flat rate plus the tier rate, rounded down to the micro-USD. */
export function bonusFor(principal: bigint, rule: BonusRuleSnapshot): bigint {
  if (principal <= 0n) return 0n;
  return applyBps(principal, rule.flatBps) + applyBps(principal, tierBpsFor(principal, rule));
}
