import { z } from "zod";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { optionalText } from "../src/core/inputs.ts";
import { UserError } from "../src/errors.ts";
import { formatUsd, parseAmount } from "../src/ledger/money.ts";
import { refundQuote } from "../src/refunds/refundQuote.ts";
import { requestRefund } from "../src/refunds/requestRefund.ts";
import type { Block } from "../src/reply.ts";

/** Something typed where the amount goes that is not meant as one: the first word of the reason. */
const looksLikeAmount = (text: string) => /^[$\d.,-]+$/.test(text);

/**
 * `refund [amount] <reason>`: the customer asks for unused principal back (all of what may be
 * asked for when no amount is given); support gets a card to approve or reject. Without a reason,
 * a form opens that says how much is refundable.
 */
export default defineCommand({
  name: "refund",
  audience: "customer",
  rateLimit: { max: 10, windowSeconds: 3600 },
  descriptionKey: "refunds.command.refund.description",
  // Both optional: Discord wants required options first, and the amount comes first when typed.
  options: [
    { name: "amount", kind: "string", required: false, descriptionKey: "refunds.command.refund.options.amount" },
    { name: "reason", kind: "string", required: false, descriptionKey: "refunds.command.refund.options.reason" },
  ],
  input: z.object({ amount: optionalText(500), reason: optionalText(500) }),
  async handle(input, ctx) {
    const { t } = ctx;
    let { amount, reason } = input;
    // Typed lines fill options in order: "refund changed my mind" puts "changed" in the amount.
    if (amount && !looksLikeAmount(amount)) {
      reason = [amount, reason].filter(Boolean).join(" ").slice(0, 500);
      amount = undefined;
    }
    if (amount && amount.length > 40) amount = amount.slice(0, 40);
    const account = await resolveAccount(ctx.services, ctx.caller);
    const micros = amount ? parseAmount(amount) : undefined;

    if (!reason) {
      const quote = await refundQuote(ctx.services.prisma, account.id);
      if (quote.available === 0n) {
        throw quote.pending > 0n ? new UserError("refunds.errors.all_requested", { pending: formatUsd(quote.pending) }) : new UserError("refunds.errors.nothing_refundable");
      }
      return {
        blocks: [{ type: "text", text: t("refunds.form.intro", { available: formatUsd(quote.available) }) }],
        private: true,
        form: {
          command: "refund",
          args: {},
          title: t("refunds.form.title"),
          submitLabel: t("refunds.form.submit"),
          fields: [
            { kind: "text", name: "amount", label: t("refunds.form.amount"), required: false, initial: amount, placeholder: formatUsd(quote.available).slice(1), hint: t("refunds.form.amount_hint", { available: formatUsd(quote.available) }), maxLength: 40 },
            { kind: "text", name: "reason", label: t("refunds.form.reason"), required: true, multiline: true, maxLength: 500 },
          ],
        },
      };
    }

    const { refund, preview } = await requestRefund(ctx.services, { accountId: account.id, caller: ctx.caller, amount: micros, reason });
    const blocks: Block[] = [
      { type: "text", text: t("refunds.requested", { refund: refund.refundNo, amount: formatUsd(refund.requestedAmount) }) },
    ];
    if (preview.bonusReversed > 0n) blocks.push({ type: "text", text: t("refunds.requested_bonus", { bonus: formatUsd(preview.bonusReversed) }) });
    blocks.push({ type: "context", text: t("refunds.not_refundable") });
    return { blocks, private: true, summary: t("refunds.requested", { refund: refund.refundNo, amount: formatUsd(refund.requestedAmount) }) };
  },
});
