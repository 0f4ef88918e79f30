import { recordAudit } from "../audit/recordAudit.ts";
import { timeToken } from "../core/markup.ts";
import { UserError } from "../errors.ts";
import { trialStageKey } from "../ledger/grantTrialStage.ts";
import { IdempotencyConflictError, postEntries, type PostingResult } from "../ledger/postEntries.ts";
import { countPosted } from "../metrics.ts";
import { afterBalanceChange } from "../notify/lowBalance.ts";
import type { Services } from "../services.ts";
import type { Decider } from "../topups/decider.ts";
import { Refusal } from "../topups/refusal.ts";
import { refuseOwnAccount } from "./refuseOwnAccount.ts";
import { refuseAction } from "./supportRefusal.ts";

const ACTION = "trial.grant";

/**
 * Support grants trial stage 2 (TRIAL_STAGE2_USD) after the guided follow-up: at most once per
 * account, under the same key as the ledger's grantTrialStage, so a second grant (or two at once)
 * writes nothing and says when it was granted. The grant and its audit row commit together.
 */
export async function grantSecondTrialStage(services: Services, input: { accountId: string; decider: Decider }): Promise<PostingResult> {
  const { accountId, decider } = input;
  const amount = services.env.TRIAL_STAGE2_USD;
  if (amount === 0n) throw new UserError("support_tools.errors.trial_off");
  await refuseOwnAccount(services, decider, ACTION, accountId, { stage: 2 });
  const key = trialStageKey(accountId, 2);
  try {
    const posting = await services.prisma.$transaction(async (tx) => {
      const granted = async () => {
        const earlier = await tx.posting.findUnique({ where: { idempotencyKey: key }, select: { createdAt: true } });
        return new Refusal("trial_granted", new UserError("support_tools.errors.trial_granted", { when: earlier ? timeToken(earlier.createdAt) : "?" }));
      };
      if (await tx.posting.findUnique({ where: { idempotencyKey: key }, select: { id: true } })) throw await granted();
      let result: PostingResult;
      try {
        result = await postEntries(tx, {
          idempotencyKey: key,
          lines: [{ accountId, type: "trial_credit", bucket: "trial", amount }],
          actor: { type: "support", id: decider.userId },
          reference: "trial-stage-2",
          memo: "Trial credit, stage 2",
        });
      } catch (err) {
        // Granted by someone else between our check and our posting.
        if (err instanceof IdempotencyConflictError) throw await granted();
        throw err;
      }
      if (result.replayed) throw await granted();
      await recordAudit(tx, { actorType: "support", actorId: decider.userId, platform: decider.platform, action: ACTION, outcome: "ok", accountId, detail: { stage: 2, amount: amount.toString() } });
      for (const movement of result.accounts) await afterBalanceChange(tx, movement, { cause: key, now: services.now() });
      return result;
    });
    countPosted(posting);
    return posting;
  } catch (err) {
    if (err instanceof Refusal) return refuseAction(services, decider, ACTION, err.reason, err.error, { accountId, detail: { stage: 2 } });
    throw err;
  }
}
