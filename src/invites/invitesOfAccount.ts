import type { Tx } from "../db/index.ts";
import { inviteRewards, type InviteReward } from "./inviteRewards.ts";

/** Who invited an account and whom it invited, for support's account view. */
export interface AccountInvites {
  invitedBy: InviteReward | null;
  invited: InviteReward[];
}

export async function invitesOfAccount(tx: Tx, accountId: string): Promise<AccountInvites> {
  const [invitedBy] = await inviteRewards(tx, { inviteeAccountId: accountId });
  const invited = await inviteRewards(tx, { inviterAccountId: accountId });
  return { invitedBy: invitedBy ?? null, invited };
}
