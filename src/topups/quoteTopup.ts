import type { Tx } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { BASE_CURRENCY, formatMoney, minorDigits, minorUnit, payAmountFor, usdBoughtBy } from "../fx/currency.ts";
import { rateInForce } from "../fx/rateInForce.ts";
import { formatDecimal, formatUsd, parseAmount } from "../ledger/money.ts";
import { findMethod, payCurrencyOf, presetPrice, type MethodsConfig, type PaymentMethod } from "../methods/paymentMethods.ts";
import type { Locale } from "../i18n.ts";
import { bonusFor, snapshotBonusRule } from "./bonus.ts";

/** What the customer asked for, as typed or chosen on any surface. */
export interface TopupRequest {
  methodId: string;
  /** A USD amount ("10", "$10"), an amount in the method's currency ("¥500", "500元"), or "preset:200". */
  amount?: string;
  /** A preset's amount in USD ("200"), from the form's select or Discord's option. */
  preset?: string;
}

/**
 * A top-up priced before it is ordered: what the order will ask, in USD and in the currency paid,
 * and what it will credit. The confirmation the customer sees and the order that follows are both
 * built from it, so they cannot disagree.
 */
export interface TopupQuote {
  method: PaymentMethod;
  /** micro-USD the order asks for: the amount typed, or a preset's price after its discount. */
  requested: bigint;
  preset: { amount: bigint; discountBps: number; discount: bigint } | null;
  /** The currency the customer pays in (USD for USDT). */
  currency: string;
  /** For another currency: micro-units of it per USD, and what to pay in it (rounded up to its smallest unit). */
  fxRate: bigint | null;
  payAmount: bigint | null;
  /** micro-USD of principal the payment buys (for another currency, rounded down; before any unique suffix). */
  principal: bigint;
  /** Bonus credit: the method's bonus rule on the principal, plus a preset's discount. */
  bonus: bigint;
  /**
   * What the customer must accept before the order exists, when what they pay differs from the
   * amount they chose (a discount, another currency); null when nothing needs accepting. It is the
   * rate, so a confirmation given at another rate is no confirmation.
   */
  confirmation: string | null;
  /** The typed amount written plainly ("10", "500CNY"), to ask for the same again; null for a preset. */
  amountArg: string | null;
}

const PRESET_WORD = /^preset\s*[:：=]\s*(.+)$/i;
/** Symbols and words customers put around an amount, and the currency each means. */
const MARKS: Record<string, string> = { $: "USD", "¥": "CNY", "￥": "CNY", 元: "CNY", RMB: "CNY", "€": "EUR", "£": "GBP" };

/** Prices a request, or refuses it with a message for the customer (in `locale`, which names the method). */
export async function quoteTopup(db: Tx, methods: MethodsConfig, request: TopupRequest, locale: Locale = "en"): Promise<TopupQuote> {
  const method = findMethod(methods, request.methodId.trim().toLowerCase());
  if (!method) {
    throw new UserError("errors.unknown_method", { method: request.methodId.slice(0, 40), methods: methods.methods.map((m) => m.id).join(", ") }, "method");
  }
  const label = method.label[locale] ?? method.label.en;
  const currency = payCurrencyOf(method);
  const rate = currency === BASE_CURRENCY ? null : await rateInForce(db, currency, method.kind === "manual" ? method.rate : undefined);
  if (currency !== BASE_CURRENCY && !rate) throw new UserError("pricing.errors.no_rate", { method: label, currency }, "method");
  const fxRate = rate?.rate ?? null;

  const chosen = choose(request);
  let preset: TopupQuote["preset"] = null;
  let requested: bigint;
  let payAmount: bigint | null = null;
  let amountArg: string | null = null;
  if (chosen.kind === "preset") {
    preset = findPreset(method, label, chosen.text);
    requested = preset.amount - preset.discount;
  } else {
    const typed = parseTyped(chosen.text, label, currency);
    amountArg = `${formatDecimal(typed.micros, 0).replace(/,/g, "")}${typed.currency === BASE_CURRENCY ? "" : typed.currency}`;
    if (typed.currency === BASE_CURRENCY) requested = typed.micros;
    else {
      payAmount = typed.micros;
      requested = usdBoughtBy(typed.micros, fxRate!);
    }
  }
  if (fxRate !== null) payAmount ??= payAmountFor(requested, fxRate, currency);
  checkLimits(method, requested, currency, fxRate);

  const principal = payAmount !== null && fxRate !== null ? usdBoughtBy(payAmount, fxRate) : requested;
  const bonus = bonusFor(principal, snapshotBonusRule(method.bonus)) + (preset?.discount ?? 0n);
  const confirmation = fxRate !== null ? fxRate.toString() : preset && preset.discount > 0n ? "yes" : null;
  return { method, requested, preset, currency, fxRate, payAmount, principal, bonus, confirmation, amountArg };
}

function choose(request: TopupRequest): { kind: "preset" | "amount"; text: string } {
  const amount = request.amount?.trim();
  const preset = request.preset?.trim();
  const word = amount ? PRESET_WORD.exec(amount) : null;
  // "/credits topup trc20 preset 200" fills the amount with the word and the preset with the number.
  const amountIsWord = amount !== undefined && /^preset$/i.test(amount);
  if (preset && amount && !amountIsWord) throw new UserError("pricing.errors.amount_and_preset", {}, "preset");
  if (preset) return { kind: "preset", text: preset };
  if (word) return { kind: "preset", text: word[1] };
  if (!amount || amountIsWord) throw new UserError("pricing.errors.amount_or_preset", {}, "amount");
  return { kind: "amount", text: amount };
}

function findPreset(method: PaymentMethod, label: string, text: string): NonNullable<TopupQuote["preset"]> {
  if (method.presets.length === 0) throw new UserError("pricing.errors.no_presets", { method: label }, "preset");
  const amount = parseAmount(text, "preset");
  const found = method.presets.find((p) => p.amount === amount);
  if (!found) {
    throw new UserError("pricing.errors.unknown_preset", { preset: formatUsd(amount), method: label, presets: method.presets.map((p) => formatUsd(p.amount)).join(", ") }, "preset");
  }
  return { amount: found.amount, discountBps: found.discountBps, discount: presetPrice(found).discount };
}

/** An amount as typed: plain or with $ is USD; with the method's own currency mark it is what to pay in it. */
function parseTyped(text: string, label: string, methodCurrency: string): { currency: string; micros: bigint } {
  const match = /^([$¥￥€£元]|[A-Za-z]{3})?\s*([\d.,]+)\s*([$¥￥€£元]|[A-Za-z]{3})?$/u.exec(text);
  // Anything else ("-5", "1e3", "ten") gets the plain parser's own message.
  if (!match) return { currency: BASE_CURRENCY, micros: parseAmount(text, "amount") };
  const marks = [match[1], match[3]].filter((m): m is string => m !== undefined).map((m) => markCurrency(m, methodCurrency));
  if (marks.includes(null) || new Set(marks).size > 1) throw new UserError("errors.amount_format", { value: text.slice(0, 40) }, "amount");
  const currency = (marks[0] as string | undefined) ?? BASE_CURRENCY;
  const micros = parseAmount(match[2], "amount");
  if (currency === BASE_CURRENCY) return { currency, micros };
  if (currency !== methodCurrency) {
    throw new UserError("pricing.errors.currency_not_taken", { method: label, currency, methodCurrency }, "amount");
  }
  if (micros % minorUnit(currency) !== 0n) throw new UserError("errors.amount_decimals", { max: minorDigits(currency) }, "amount");
  return { currency, micros };
}

function markCurrency(mark: string, methodCurrency: string): string | null {
  const upper = mark.toUpperCase();
  // ¥ is the yen's sign too: on a method paid in JPY it means yen.
  if ((mark === "¥" || mark === "￥") && methodCurrency === "JPY") return "JPY";
  if (MARKS[mark] ?? MARKS[upper]) return MARKS[mark] ?? MARKS[upper];
  return /^[A-Z]{3}$/.test(upper) && Intl.supportedValuesOf("currency").includes(upper) ? upper : null;
}

/** Minimum and maximum are USD; for another currency the message shows both. */
function checkLimits(method: PaymentMethod, requested: bigint, currency: string, fxRate: bigint | null): void {
  const shown = (usd: bigint) => (fxRate === null ? formatUsd(usd) : `${formatUsd(usd)} (${formatMoney(currency, payAmountFor(usd, fxRate, currency))})`);
  if (requested < method.minimum) throw new UserError("errors.amount_below_minimum", { minimum: shown(method.minimum) }, "amount");
  if (requested > method.maximum) throw new UserError("errors.amount_above_maximum", { maximum: shown(method.maximum) }, "amount");
}
