import { z } from "zod";
import { normalizeLinkCode, redeemLinkCode } from "../src/accounts/linkCodes.ts";
import { defineCommand } from "../src/core/command.ts";
import { requiredText } from "../src/core/inputs.ts";
import { UserError } from "../src/errors.ts";

/**
 * `link CODE`: attaches this chat user to the account the code was issued for (linked
 * onboarding). The code comes from the platform's operators (CLI or HTTP API) and works once.
 */
export default defineCommand({
  name: "link",
  audience: "customer",
  descriptionKey: "commands.link.description",
  options: [{ name: "code", kind: "string", required: true, descriptionKey: "commands.link.options.code" }],
  input: z.object({ code: requiredText(40) }),
  async handle(input, ctx) {
    const code = normalizeLinkCode(input.code);
    if (!/^[A-Z0-9]{12}$/.test(code)) throw new UserError("errors.link_code_format", {}, "code");
    const { caller, t } = ctx;
    const { accountId } = await redeemLinkCode(ctx.services.prisma, {
      code,
      identity: { platform: caller.platform, workspaceId: caller.workspaceId, userId: caller.userId, displayName: caller.displayName, locale: caller.locale },
      now: ctx.services.now(),
    });
    const text = t("link.linked", { accountId });
    return {
      blocks: [
        { type: "text", text },
        {
          type: "buttons",
          buttons: [
            { label: t("link.show_balance"), command: "balance", args: {} },
            { label: t("link.topup"), style: "primary", command: "topup", args: {} },
          ],
        },
      ],
      private: true,
      summary: text,
    };
  },
});
