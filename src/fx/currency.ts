import { z } from "zod";
import { formatDecimal, formatUsd, MICROS_PER_USD, MONEY_DECIMALS } from "../ledger/money.ts";

/**
 * Amounts in another currency than USD are integers of micro-units of that currency (¥1 =
 * 1,000,000), like micro-USD; a rate is micro-units of the currency per USD (7.21 CNY per USD =
 * 7,210,000). Nothing here is ever a float.
 */

/** The base currency: credit, balances and every configured amount are USD. */
export const BASE_CURRENCY = "USD";

/** The most a rate may be (units of a currency per USD): far above any real one, and safe in bigint. */
export const MAX_RATE_UNITS = 1_000_000n;

/** The symbols customers recognise; any other ISO 4217 code is written after the amount ("72.10 HKD"). */
const SYMBOLS: Record<string, string> = { USD: "$", CNY: "¥", EUR: "€", GBP: "£", JPY: "¥" };

/** An ISO 4217 code the runtime knows (its minor units come from there). */
export function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  return Intl.supportedValuesOf("currency").includes(code);
}

export const currencyCodeSchema = z.string().refine(isCurrencyCode, "an ISO 4217 currency code in capitals, such as USD or CNY");

/** Digits after the decimal point the currency is paid in: 2 for CNY (the fen), 0 for JPY. */
export function minorDigits(currency: string): number {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return Math.min(digits, MONEY_DECIMALS);
}

/** Micro-units of the currency's smallest unit (10,000 for the fen). */
export function minorUnit(currency: string): bigint {
  return 10n ** BigInt(MONEY_DECIMALS - minorDigits(currency));
}

/** "¥72.10", "¥1,297.80", "$10.00", "72.10 HKD": always the currency's own number of decimals. */
export function formatMoney(currency: string, micros: bigint): string {
  if (currency === BASE_CURRENCY) return formatUsd(micros);
  const shown = formatDecimal(micros, minorDigits(currency));
  const symbol = SYMBOLS[currency];
  if (!symbol) return `${shown} ${currency}`;
  return shown.startsWith("-") ? `-${symbol}${shown.slice(1)}` : `${symbol}${shown}`;
}

export type RateProblem = "format" | "decimals" | "not_positive" | "too_large";

/** A rate as typed or configured ("7.21": digits, at most 6 decimals, above 0) in micro-units per USD. */
export function parseRate(text: string): { rate: bigint } | { problem: RateProblem } {
  const trimmed = text.trim();
  if (/^-\s*\d/.test(trimmed)) return { problem: "not_positive" };
  const match = /^(\d+)(?:\.(\d+))?$/.exec(trimmed);
  if (!match) return { problem: "format" };
  if ((match[2] ?? "").length > MONEY_DECIMALS) return { problem: "decimals" };
  const rate = BigInt(match[1]) * MICROS_PER_USD + BigInt((match[2] ?? "").padEnd(MONEY_DECIMALS, "0"));
  if (rate <= 0n) return { problem: "not_positive" };
  if (rate > MAX_RATE_UNITS * MICROS_PER_USD) return { problem: "too_large" };
  return { rate };
}

export const RATE_PROBLEMS: Record<RateProblem, string> = {
  format: 'a rate is a plain decimal number of units of the currency per USD, such as "7.21"',
  decimals: "a rate has at most 6 decimals",
  not_positive: "a rate must be above 0",
  too_large: `a rate is at most ${MAX_RATE_UNITS.toLocaleString("en")} units per USD`,
};

export const rateSchema = z.string().transform((text, ctx) => {
  const parsed = parseRate(text);
  if ("problem" in parsed) {
    ctx.addIssue({ code: "custom", message: RATE_PROBLEMS[parsed.problem] });
    return z.NEVER;
  }
  return parsed.rate;
});

/** "7.21" for 7_210_000n. */
export function formatRate(rate: bigint): string {
  return formatDecimal(rate, 0).replace(/,/g, "");
}

/**
 * What to pay, in the currency, for a USD amount: rounded UP to the currency's smallest unit, so
 * that what is paid always buys at least the USD asked for.
 */
export function payAmountFor(usdMicros: bigint, rate: bigint, currency: string): bigint {
  const exact = ceilDiv(usdMicros * rate, MICROS_PER_USD);
  const unit = minorUnit(currency);
  return ceilDiv(exact, unit) * unit;
}

/** The USD credit an amount paid in the currency buys at a rate: rounded DOWN to the micro-USD. */
export function usdBoughtBy(payMicros: bigint, rate: bigint): bigint {
  return (payMicros * MICROS_PER_USD) / rate;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}
