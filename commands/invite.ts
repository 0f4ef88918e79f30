import { z } from "zod";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { optionalText } from "../src/core/inputs.ts";
import { UserError } from "../src/errors.ts";
import { translate } from "../src/i18n.ts";
import { acceptInvite } from "../src/invites/acceptInvite.ts";
import { isInviteCodeShape, normalizeInviteCode } from "../src/invites/inviteCode.ts";
import { inviteStats } from "../src/invites/inviteStats.ts";
import { transferInviteRewards } from "../src/invites/transferInviteRewards.ts";
import { inviteAcceptedReply, inviteStatsReply, inviteTransferredReply } from "../src/views/inviteView.ts";

const ACTIONS = ["show", "accept", "transfer"] as const;

/**
 * `invite`: the account's invite code and link, with what its invites earned (pending, ready to
 * transfer, transferred); `invite accept <code>`: a new account takes an invite; `invite transfer`:
 * unlocked rewards into the balance (promo bucket).
 */
export default defineCommand({
  name: "invite",
  audience: "customer",
  descriptionKey: "invites.command.description",
  options: [
    {
      name: "action",
      kind: "string",
      required: false,
      descriptionKey: "invites.command.options.action",
      choices: (_services, locale) => ACTIONS.map((a) => ({ value: a, label: translate(locale, `invites.actions.${a}`) })),
    },
    { name: "code", kind: "string", required: false, descriptionKey: "invites.command.options.code" },
  ],
  input: z.object({ action: optionalText(40), code: optionalText(40) }),
  async handle(input, ctx) {
    const { services, caller, t } = ctx;
    let action = (input.action ?? "show").toLowerCase();
    let code = input.code;
    // `invite ABCD-EFGH`, as people type what they were sent: an invite code alone is an acceptance.
    if (!(ACTIONS as readonly string[]).includes(action) && !code && isInviteCodeShape(normalizeInviteCode(action))) {
      code = action;
      action = "accept";
    }
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UserError("invites.errors.unknown_action", { action: action.slice(0, 40) }, "action");
    if (action === "accept") {
      // Checked before the account is looked up: a mistyped code writes nothing, not even a new account.
      if (!code) throw new UserError("invites.errors.code_required", {}, "code");
      if (!isInviteCodeShape(normalizeInviteCode(code))) throw new UserError("invites.errors.code_format", {}, "code");
    }
    const account = await resolveAccount(services, caller);
    if (action === "accept") {
      await acceptInvite(services, { accountId: account.id, code: code!, caller });
      return inviteAcceptedReply(t);
    }
    if (action === "transfer") return inviteTransferredReply(await transferInviteRewards(services, { accountId: account.id, caller }), t);
    return inviteStatsReply(await inviteStats(services.prisma, services.env, account.id), t);
  },
});
