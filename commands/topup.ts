import { z } from "zod";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { defineCommand, type CommandContext } from "../src/core/command.ts";
import { formatTime } from "../src/core/format.ts";
import { optionalText } from "../src/core/inputs.ts";
import { formatDecimal, formatUsd } from "../src/ledger/money.ts";
import type { Block, Reply } from "../src/reply.ts";
import { bonusFor } from "../src/topups/bonus.ts";
import { createOrder } from "../src/topups/createOrder.ts";
import type { Order } from "../src/topups/order.ts";
import { findMethod, scansLogs, type PaymentMethod } from "../src/methods/paymentMethods.ts";
import { displayPayAddress } from "../src/topups/paymentTarget.ts";

export default defineCommand({
  name: "topup",
  audience: "customer",
  rateLimit: { max: 20, windowSeconds: 600 },
  descriptionKey: "commands.topup.description",
  options: [
    {
      name: "method",
      kind: "string",
      required: false,
      descriptionKey: "commands.topup.options.method",
      choices: (services, locale) => services.methods.methods.map((m) => ({ value: m.id, label: m.label[locale] ?? m.label.en })),
    },
    { name: "amount", kind: "string", required: false, descriptionKey: "commands.topup.options.amount" },
  ],
  input: z.object({ method: optionalText(40), amount: optionalText(40) }),
  async handle(input, ctx) {
    const account = await resolveAccount(ctx.services, ctx.caller);
    if (!input.method || !input.amount) return topupForm(ctx, input.method);
    const order = await createOrder(ctx.services, { accountId: account.id, caller: ctx.caller, methodId: input.method, amount: input.amount });
    return instructions(order, findMethod(ctx.services.methods, order.methodId)!, ctx);
  },
});

function methodLabel(method: PaymentMethod, ctx: CommandContext): string {
  return method.label[ctx.locale] ?? method.label.en;
}

function topupForm(ctx: CommandContext, method?: string): Reply {
  const { t } = ctx;
  return {
    blocks: [{ type: "text", text: t("topups.form.intro") }],
    private: true,
    form: {
      command: "topup",
      args: {},
      title: t("topups.form.title"),
      submitLabel: t("topups.form.submit"),
      fields: [
        {
          kind: "select",
          name: "method",
          label: t("topups.form.method"),
          required: true,
          initial: method,
          options: ctx.services.methods.methods.map((m) => ({
            value: m.id,
            label: methodLabel(m, ctx),
            description: t("topups.form.method_minimum", { minimum: formatUsd(m.minimum) }),
          })),
        },
        { kind: "text", name: "amount", label: t("topups.form.amount"), required: true, placeholder: "10", hint: t("topups.form.amount_hint") },
      ],
    },
  };
}

/** What to send, where, and what it will earn: the answer to a top-up request. */
function instructions(order: Order, method: PaymentMethod, ctx: CommandContext): Reply {
  const { t } = ctx;
  const bonus = bonusFor(order.instructedAmount, order.bonusRule);
  const amount = formatDecimal(order.instructedAmount, 0);
  const total = formatDecimal(order.instructedAmount + bonus, 0);
  const blocks: Block[] = [{ type: "header", text: t("topups.instructions.title", { order: order.orderNo }) }];
  if (method.kind === "usdt") {
    const network = methodLabel(method, ctx);
    blocks.push(
      { type: "text", text: t("topups.instructions.usdt_send", { amount, network }) },
      { type: "copy", label: t("topups.instructions.amount_to_send"), value: amount },
      { type: "copy", label: t("topups.instructions.address"), value: displayPayAddress(order, method) },
      {
        type: "fields",
        fields: [
          { label: t("topups.instructions.network"), value: network },
          { label: t("topups.instructions.minimum"), value: `${formatDecimal(method.minimum, 0)} USDT` },
          { label: t("topups.instructions.expires"), value: formatTime(order.expiresAt) },
          { label: t("topups.instructions.order"), value: order.orderNo },
        ],
      },
    );
    if (method.attribution === "unique-amount") blocks.push({ type: "text", text: t("topups.instructions.unique_amount_note", { amount }) });
    if (method.attribution === "per-account-address") blocks.push({ type: "text", text: t("topups.instructions.own_address_note", { network }) });
    if (scansLogs(method)) {
      blocks.push({ type: "text", text: t(method.autoConfirm ? "topups.instructions.detected" : "topups.instructions.detected_review", { confirmations: method.confirmations }) });
    }
    blocks.push({ type: "text", text: t("topups.instructions.network_warning", { network }) });
  } else {
    blocks.push(
      { type: "text", text: method.instructions[ctx.locale] ?? method.instructions.en },
      {
        type: "fields",
        fields: [
          { label: t("topups.instructions.amount"), value: `${amount} ${method.currency}` },
          { label: t("topups.instructions.minimum"), value: `${formatDecimal(method.minimum, 0)} ${method.currency}` },
          { label: t("topups.instructions.expires"), value: formatTime(order.expiresAt) },
          { label: t("topups.instructions.order"), value: order.orderNo },
        ],
      },
    );
  }
  blocks.push(
    {
      type: "text",
      text:
        bonus > 0n
          ? t("topups.instructions.bonus", { amount, total, principal: amount, bonus: formatDecimal(bonus, 0), unit: method.kind === "usdt" ? "USDT" : method.currency })
          : t("topups.instructions.no_bonus", { amount, unit: method.kind === "usdt" ? "USDT" : method.currency }),
    },
    { type: "context", text: t("topups.instructions.risk") },
    {
      type: "buttons",
      buttons: [
        { label: t("topups.instructions.submit_proof"), style: "primary", command: "proof", args: { order: order.orderNo } },
        { label: t("topups.instructions.cancel"), style: "danger", command: "cancel", args: { order: order.orderNo } },
      ],
    },
  );
  return { blocks, private: true, summary: t("topups.instructions.title", { order: order.orderNo }) };
}
