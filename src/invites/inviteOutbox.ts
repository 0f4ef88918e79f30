import type { Tx } from "../db/index.ts";
import { enqueue } from "../notify/outbox.ts";
import type { Platform } from "../reply.ts";

/** The outbox's reference to the inviter's message about a reward a refund took back. */
export interface InviteReversalRef {
  view: "invite_reversal";
  locale: string;
  /** micro-USD, as decimal strings: what was taken back, and what could not be (already spent). */
  reversed: string;
  shortfall: string;
  reference: string;
}

/**
 * Tells the inviter, where they were last seen, that a refund of their invitee's top-up took back
 * part of a reward they had transferred. One message per reversal posting.
 */
export async function messageInviterOfReversal(tx: Tx, input: { inviterAccountId: string; key: string; reversed: bigint; shortfall: bigint; reference: string }): Promise<void> {
  const identity = await tx.chatIdentity.findFirst({
    where: { accountId: input.inviterAccountId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    include: { account: { select: { locale: true } } },
  });
  if (!identity) return;
  const payload: InviteReversalRef = {
    view: "invite_reversal",
    locale: identity.locale ?? identity.account.locale,
    reversed: input.reversed.toString(),
    shortfall: input.shortfall.toString(),
    reference: input.reference,
  };
  await enqueue(tx, {
    dedupeKey: `${input.key}:dm`,
    platform: identity.platform as Platform,
    kind: "dm",
    recipient: { type: "user", workspaceId: identity.workspaceId, userId: identity.userId },
    payload,
  });
}
