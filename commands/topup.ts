import { z } from "zod";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { defineCommand, type CommandContext } from "../src/core/command.ts";
import { timeToken } from "../src/core/markup.ts";
import { optionalText } from "../src/core/inputs.ts";
import { BASE_CURRENCY, formatMoney, formatRate, payAmountFor } from "../src/fx/currency.ts";
import { rateInForce } from "../src/fx/rateInForce.ts";
import { formatDecimal, formatUsd } from "../src/ledger/money.ts";
import type { Block, ButtonSpec, FormField, Reply } from "../src/reply.ts";
import type { Services } from "../src/services.ts";
import { bonusToCredit } from "../src/topups/bonusToCredit.ts";
import { createOrder } from "../src/topups/createOrder.ts";
import type { Order } from "../src/topups/order.ts";
import { principalToCredit } from "../src/topups/principalToCredit.ts";
import { quoteTopup, type TopupQuote } from "../src/topups/quoteTopup.ts";
import { findMethod, payCurrencyOf, presetPrice, scansLogs, type ManualMethod, type PaymentMethod, type Preset } from "../src/methods/paymentMethods.ts";
import { displayPayAddress } from "../src/topups/paymentTarget.ts";
import { translator, type Locale } from "../src/i18n.ts";

/**
 * `topup [method] [amount | preset:<amount>]`. Amounts are USD of credit on every method, so a
 * preset tier, a minimum and a balance all read the same; on a method paid in another currency
 * the customer may also type what they will pay in it ("¥500"). Whenever what is paid differs
 * from the amount chosen (a preset's discount, another currency), a confirmation comes first and
 * the order is only made from its Confirm button.
 */
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
    { name: "preset", kind: "string", required: false, descriptionKey: "pricing.options.preset", choices: presetChoices },
  ],
  input: z.object({
    method: optionalText(40),
    amount: optionalText(40),
    preset: optionalText(40),
    /** From the confirmation's Confirm button: the quote accepted (its rate, or "yes"). */
    confirm: optionalText(24),
    /** From the confirmation's Back button: the form again, filled in. */
    edit: optionalText(8),
    /** Set by the form itself, so an empty submission is a mistake rather than a request for the form. */
    via: optionalText(8),
  }),
  async handle(input, ctx) {
    const account = await resolveAccount(ctx.services, ctx.caller);
    if (input.edit || !input.method || (!input.amount && !input.preset && !input.via)) return topupForm(ctx, input);
    const request = { methodId: input.method, amount: input.amount, preset: input.preset };
    const quote = await quoteTopup(ctx.services.prisma, ctx.services.methods, request, ctx.locale);
    if (quote.confirmation !== null && input.confirm !== quote.confirmation) return confirmation(quote, ctx, input.confirm !== undefined);
    const order = await createOrder(ctx.services, { accountId: account.id, caller: ctx.caller, ...request, acceptedRate: quote.fxRate ?? undefined });
    const reply = instructions(order, findMethod(ctx.services.methods, order.methodId)!, ctx);
    // The instructions take the confirmation's place, so its Confirm cannot make a second order.
    return input.confirm !== undefined ? { ...reply, replaceSource: true } : reply;
  },
});

function methodLabel(method: PaymentMethod, locale: Locale): string {
  return method.label[locale] ?? method.label.en;
}

function plainAmount(micros: bigint): string {
  return formatDecimal(micros, 0).replace(/,/g, "");
}

function percent(bps: number): string {
  // formatDecimal reads millionths: a basis point is 0.01% = 10,000 millionths of a percent.
  return `${formatDecimal(BigInt(bps) * 10_000n, 0)}%`;
}

/** Every preset amount some method offers (Discord's choices for the option), with the best discount on it. */
function presetChoices(services: Services, locale: Locale): { value: string; label: string }[] {
  return presetsOffered(services.methods.methods).map(({ amount, bps }) => ({ value: plainAmount(amount), label: presetLabel(locale, amount, bps) }));
}

function presetsOffered(methods: readonly PaymentMethod[]): { amount: bigint; bps: number[]; methods: PaymentMethod[] }[] {
  const byAmount = new Map<bigint, { amount: bigint; bps: number[]; methods: PaymentMethod[] }>();
  for (const method of methods) {
    for (const preset of method.presets) {
      const entry = byAmount.get(preset.amount) ?? { amount: preset.amount, bps: [], methods: [] };
      entry.bps.push(preset.discountBps);
      entry.methods.push(method);
      byAmount.set(preset.amount, entry);
    }
  }
  return [...byAmount.values()].sort((a, b) => (a.amount < b.amount ? -1 : 1));
}

function presetLabel(locale: Locale, amount: bigint, bps: number[]): string {
  const t = translator(locale);
  const best = Math.max(...bps);
  if (best === 0) return formatUsd(amount);
  const key = new Set(bps).size > 1 ? "pricing.form.preset_up_to" : "pricing.form.preset_off";
  return t(key, { preset: formatUsd(amount), percent: percent(best) });
}

async function presetOptionsFor(services: Services, method: PaymentMethod, locale: Locale) {
  const t = translator(locale);
  const currency = payCurrencyOf(method);
  const rate = currency === BASE_CURRENCY ? null : await rateInForce(services.prisma, currency, method.kind === "manual" ? method.rate : undefined);
  return method.presets.map((preset: Preset) => {
    const { final } = presetPrice(preset);
    const pay = rate ? formatMoney(currency, payAmountFor(final, rate.rate, currency)) : payText(method, final);
    const key = preset.discountBps > 0 ? "pricing.form.preset_pay_off" : "pricing.form.preset_pay";
    return { value: plainAmount(preset.amount), label: t(key, { preset: formatUsd(preset.amount), pay, percent: percent(preset.discountBps) }) };
  });
}

/** An amount to pay in USD terms as the method's customer sends it: "180 USDT", "$180.00". */
function payText(method: PaymentMethod, usd: bigint): string {
  return method.kind === "usdt" ? `${formatDecimal(usd, 0)} USDT` : formatUsd(usd);
}

async function topupForm(ctx: CommandContext, initial: { method?: string; amount?: string; preset?: string }): Promise<Reply> {
  const { t, services } = ctx;
  const chosen = initial.method ? findMethod(services.methods, initial.method.trim().toLowerCase()) : undefined;
  const offered = chosen ? (chosen.presets.length ? chosen.presets : []) : services.methods.methods.flatMap((m) => m.presets);
  const fields: FormField[] = [
    {
      kind: "select",
      name: "method",
      label: t("topups.form.method"),
      required: true,
      initial: chosen?.id ?? initial.method,
      options: services.methods.methods.map((m) => ({
        value: m.id,
        label: methodLabel(m, ctx.locale),
        description: t("topups.form.method_minimum", { minimum: formatUsd(m.minimum) }),
      })),
    },
  ];
  if (offered.length === 0) {
    fields.push({ kind: "text", name: "amount", label: t("topups.form.amount"), required: true, placeholder: "10", hint: t("topups.form.amount_hint"), initial: initial.amount });
    return formReply(ctx, fields, chosen ? { method: chosen.id } : {});
  }
  const options = chosen
    ? await presetOptionsFor(services, chosen, ctx.locale)
    : presetsOffered(services.methods.methods).map(({ amount, bps, methods }) => ({
        value: plainAmount(amount),
        label: presetLabel(ctx.locale, amount, bps),
        description: methods.map((m) => methodLabel(m, ctx.locale)).join(", "),
      }));
  fields.push(
    { kind: "text", name: "amount", label: t("topups.form.amount"), required: false, placeholder: "10", hint: t("pricing.form.amount_hint"), initial: initial.amount },
    { kind: "select", name: "preset", label: t("pricing.form.preset"), required: false, hint: t("pricing.form.preset_hint"), initial: initial.preset, options },
  );
  return formReply(ctx, fields, { ...(chosen ? { method: chosen.id } : {}), via: "form" });
}

/** The form's own args: the method already chosen stays chosen when a surface submits the select empty. */
function formReply(ctx: CommandContext, fields: FormField[], args: Record<string, string>): Reply {
  const { t } = ctx;
  return {
    blocks: [{ type: "text", text: t("topups.form.intro") }],
    private: true,
    form: { command: "topup", args, title: t("topups.form.title"), submitLabel: t("topups.form.submit"), fields },
  };
}

/**
 * The confirmation of 002: the original amount, the discount and what to pay, before anything is
 * ordered. Confirm carries the quote's rate; Back opens the form again, filled in.
 */
function confirmation(quote: TopupQuote, ctx: CommandContext, rateChanged: boolean): Reply {
  const { t } = ctx;
  const { method, preset } = quote;
  // What was chosen, written short (a Discord button carries it in 100 characters).
  const chosen: Record<string, string> = { method: method.id, ...(preset ? { preset: plainAmount(preset.amount) } : { amount: quote.amountArg! }) };

  const pay = quote.payAmount !== null ? formatMoney(quote.currency, quote.payAmount) : payText(method, quote.requested);
  const fields: { label: string; value: string }[] = [{ label: t("topups.card.method"), value: methodLabel(method, ctx.locale) }];
  if (preset) {
    fields.push(
      { label: t("pricing.confirm.original"), value: formatUsd(preset.amount) },
      { label: t("pricing.confirm.discount"), value: t("pricing.confirm.discount_value", { discount: formatUsd(preset.discount), percent: percent(preset.discountBps) }) },
    );
  }
  fields.push({ label: t("pricing.confirm.to_pay"), value: pay });
  if (quote.fxRate !== null) fields.push({ label: t("pricing.confirm.rate"), value: t("pricing.card.rate_value", { rate: formatRate(quote.fxRate), currency: quote.currency }) });
  fields.push({
    label: t("pricing.confirm.credit"),
    value:
      quote.bonus > 0n
        ? t("pricing.confirm.credit_bonus", { total: formatUsd(quote.principal + quote.bonus), principal: formatUsd(quote.principal), bonus: formatUsd(quote.bonus) })
        : formatUsd(quote.principal),
  });

  const blocks: Block[] = [{ type: "header", text: t("pricing.confirm.title") }];
  if (rateChanged) blocks.push({ type: "text", text: `⚠️ ${t("pricing.confirm.rate_changed")}` });
  blocks.push({ type: "fields", fields });
  if (method.kind === "usdt" && method.attribution === "unique-amount") blocks.push({ type: "context", text: t("pricing.confirm.unique_suffix") });
  if (quote.fxRate !== null) blocks.push({ type: "context", text: t("pricing.confirm.rate_note", { currency: quote.currency }) });
  if (preset && preset.discount > 0n) blocks.push({ type: "context", text: t("pricing.confirm.discount_note") });
  const buttons: ButtonSpec[] = [
    { label: t("pricing.confirm.confirm"), style: "primary", command: "topup", args: { ...chosen, confirm: quote.confirmation! } },
    { label: t("common.back"), style: "default", command: "topup", args: { ...chosen, edit: "1" } },
  ];
  blocks.push({ type: "buttons", buttons });
  return { blocks, private: true, summary: t("pricing.confirm.summary", { pay }) };
}

/** What to send, where, and what it will earn: the answer to a top-up request. */
function instructions(order: Order, method: PaymentMethod, ctx: CommandContext): Reply {
  const { t } = ctx;
  const principal = principalToCredit(order);
  const bonus = bonusToCredit(order, principal);
  const amount = formatDecimal(order.instructedAmount, 0);
  const total = formatDecimal(principal + bonus, 0);
  const blocks: Block[] = [{ type: "header", text: t("topups.instructions.title", { order: order.orderNo }) }];
  if (order.presetAmount !== null && order.discountAmount !== null && order.discountAmount > 0n) {
    blocks.push({
      type: "text",
      text: t("pricing.instructions.preset", { preset: formatUsd(order.presetAmount), discount: formatUsd(order.discountAmount), final: formatUsd(order.requestedAmount) }),
    });
  }
  if (method.kind === "usdt") {
    const network = methodLabel(method, ctx.locale);
    blocks.push(
      { type: "text", text: t("topups.instructions.usdt_send", { amount, network }) },
      { type: "copy", label: t("topups.instructions.amount_to_send"), value: amount },
      { type: "copy", label: t("topups.instructions.address"), value: displayPayAddress(order, method) },
      {
        type: "fields",
        // The network is named once, in the line above; the order number once, in the title.
        fields: [
          { label: t("topups.instructions.minimum"), value: `${formatDecimal(method.minimum, 0)} USDT` },
          { label: t("topups.instructions.expires"), value: deadline(order) },
        ],
      },
    );
    if (method.attribution === "unique-amount") blocks.push({ type: "text", text: t("topups.instructions.unique_amount_note", { amount }) });
    if (method.attribution === "per-account-address") blocks.push({ type: "text", text: t("topups.instructions.own_address_note") });
    if (scansLogs(method)) {
      blocks.push({ type: "text", text: t(method.autoConfirm ? "topups.instructions.detected" : "topups.instructions.detected_review", { confirmations: method.confirmations }) });
    }
    blocks.push({ type: "text", text: t("topups.instructions.network_warning") });
  } else if (order.payAmount !== null && order.fxRate !== null) {
    const pay = formatMoney(order.currency, order.payAmount);
    blocks.push(
      { type: "text", text: t("pricing.instructions.pay", { pay, method: methodLabel(method, ctx.locale) }) },
      ...manualInstructions(method, ctx),
      { type: "copy", label: t("pricing.instructions.pay_label"), value: pay },
      {
        type: "fields",
        fields: [
          { label: t("pricing.confirm.rate"), value: t("pricing.card.rate_value", { rate: formatRate(order.fxRate), currency: order.currency }) },
          { label: t("topups.instructions.minimum"), value: formatUsd(method.minimum) },
          { label: t("topups.instructions.expires"), value: deadline(order) },
        ],
      },
      { type: "context", text: t("pricing.instructions.rate_fixed", { currency: order.currency }) },
    );
  } else {
    blocks.push(
      ...manualInstructions(method, ctx),
      {
        type: "fields",
        fields: [
          { label: t("topups.instructions.amount"), value: `${amount} ${method.currency}` },
          { label: t("topups.instructions.minimum"), value: `${formatDecimal(method.minimum, 0)} ${method.currency}` },
          { label: t("topups.instructions.expires"), value: deadline(order) },
        ],
      },
    );
  }
  blocks.push(
    { type: "text", text: creditLine(order, method, ctx, { amount, total, principal, bonus }) },
    // The crypto caveats (networks, chains) are no business of a bank transfer.
    { type: "context", text: t(method.kind === "usdt" ? "topups.instructions.risk" : "topups.instructions.risk_manual") },
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

/** The payment deadline in the reader's time, and how long is left ("16:23, 29 Nov (in 57 min)"). */
function deadline(order: Order): string {
  return `${timeToken(order.expiresAt)} (${timeToken(order.expiresAt, "relative")})`;
}

/**
 * Where a manual method's money goes, from its configuration: the method's own words, then the
 * payee's bank, holder and account number (the number to copy), or a QR code to scan.
 */
function manualInstructions(method: ManualMethod, ctx: CommandContext): Block[] {
  const { t } = ctx;
  const blocks: Block[] = [{ type: "text", text: method.instructions[ctx.locale] ?? method.instructions.en }];
  const payee = method.payee;
  if (payee) {
    const fields = [
      ...(payee.bankName ? [{ label: t("topups.instructions.bank_name"), value: payee.bankName[ctx.locale] ?? payee.bankName.en }] : []),
      ...(payee.accountHolder ? [{ label: t("topups.instructions.account_holder"), value: payee.accountHolder }] : []),
    ];
    if (fields.length) blocks.push({ type: "fields", fields });
    if (payee.accountNumber) blocks.push({ type: "copy", label: t("topups.instructions.account_number"), value: payee.accountNumber });
    if (payee.qrImageUrl) blocks.push({ type: "link", label: t("topups.instructions.qr", { method: methodLabel(method, ctx.locale) }), url: payee.qrImageUrl });
  }
  return blocks;
}

/** "10 USDT → 12 USD of credit: …", or for another currency "¥72.10 → $10.00 of credit". */
function creditLine(order: Order, method: PaymentMethod, ctx: CommandContext, figures: { amount: string; total: string; principal: bigint; bonus: bigint }): string {
  const { t } = ctx;
  if (order.payAmount !== null) {
    const pay = formatMoney(order.currency, order.payAmount);
    return figures.bonus > 0n
      ? t("pricing.instructions.credit_bonus", { pay, total: formatUsd(figures.principal + figures.bonus), principal: formatUsd(figures.principal), bonus: formatUsd(figures.bonus) })
      : t("pricing.instructions.credit", { pay, total: formatUsd(figures.principal) });
  }
  const unit = method.kind === "usdt" ? "USDT" : method.currency;
  return figures.bonus > 0n
    ? t("topups.instructions.bonus", { amount: figures.amount, total: figures.total, principal: figures.amount, bonus: formatDecimal(figures.bonus, 0), unit })
    : t("topups.instructions.no_bonus", { amount: figures.amount, unit });
}
