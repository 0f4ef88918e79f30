import type { PrismaClient } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { post, type PostingResult } from "./postEntries.ts";
import type { Actor } from "./types.ts";

export function trialStageKey(accountId: string, stage: number): string {
  return `trial:${accountId}:stage-${stage}`;
}

/** Staged trial credit (stage 1 at onboarding, stage 2 after the guided follow-up): each at most once. */
export async function grantTrialStage(
  prisma: PrismaClient,
  args: { accountId: string; stage: 1 | 2; amount: bigint; actor: Actor },
): Promise<PostingResult> {
  const key = trialStageKey(args.accountId, args.stage);
  const already = await prisma.posting.findUnique({ where: { idempotencyKey: key } });
  if (already) throw new UserError("errors.trial_stage_granted", { stage: args.stage });
  return post(prisma, {
    idempotencyKey: key,
    lines: [{ accountId: args.accountId, type: "trial_credit", bucket: "trial", amount: args.amount }],
    actor: args.actor,
    reference: `trial-stage-${args.stage}`,
    memo: `Trial credit, stage ${args.stage}`,
  });
}
