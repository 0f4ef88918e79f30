import { z } from "zod";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { isRedemptionCodeShape, normalizeRedemptionCode } from "../src/codes/codeFormat.ts";
import { redeemCode } from "../src/codes/redeemCode.ts";
import { defineCommand } from "../src/core/command.ts";
import { requiredText } from "../src/core/inputs.ts";
import { UserError } from "../src/errors.ts";
import { codeRedeemedReply } from "../src/views/codesView.ts";

/**
 * `redeem <code>`: a redemption code's amount into the promo bucket, once per account and code.
 * Two limits against guessing: dispatch counts every attempt of one chat user (typos included),
 * and redeemCode counts the account's wrong codes across all its identities (REDEEM_FAILURE_LIMIT),
 * which is the one a guesser meets first.
 */
export default defineCommand({
  name: "redeem",
  audience: "customer",
  auditAction: "redemption_codes.redeem",
  rateLimit: { max: 30, windowSeconds: 600 },
  descriptionKey: "codes.command.redeem.description",
  options: [{ name: "code", kind: "string", required: true, descriptionKey: "codes.command.redeem.options.code" }],
  input: z.object({ code: requiredText(64) }),
  async handle(input, ctx) {
    // Checked before the account is looked up: a mistyped code writes nothing, not even a new account.
    if (!isRedemptionCodeShape(normalizeRedemptionCode(input.code))) throw new UserError("codes.errors.code_format", {}, "code");
    const account = await resolveAccount(ctx.services, ctx.caller);
    const redeemed = await redeemCode(ctx.services, { accountId: account.id, code: input.code, caller: ctx.caller });
    return codeRedeemedReply(redeemed, ctx.t);
  },
});
