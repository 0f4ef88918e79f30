import { z } from "zod";
import { UserError } from "../errors.ts";

/** Money is integer micro-USD: 1 USD = 1,000,000. Never a float. */
export const MICROS_PER_USD = 1_000_000n;
export const MONEY_DECIMALS = 6;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** A plain decimal USD amount as configured ("10", "0.5": digits, at most 6 decimals) in micro-USD; null when it is not one. */
export function parseUsd(text: string): bigint | null {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text);
  if (!match) return null;
  return BigInt(match[1]) * MICROS_PER_USD + BigInt((match[2] ?? "").padEnd(MONEY_DECIMALS, "0"));
}

/** The schema of a configured USD amount (environment, payment methods file), parsed to micro-USD. */
export function usdSchema(message = "a plain USD amount such as 5 or 0.5, at most 6 decimals") {
  return z
    .string()
    .refine((v) => parseUsd(v) !== null, message)
    .transform((v) => parseUsd(v)!);
}

/**
 * Parses a customer-typed decimal amount ("10", "0.1", "1,000.50") into micro-USD.
 * Refuses exponents, signs, more than 6 decimals, zero and anything that is not plain digits.
 */
export function parseAmount(input: string, field = "amount"): bigint {
  const text = input.trim().replace(/^\$/, "").replace(/(?<=\d),(?=\d{3}(\D|$))/g, "");
  if (text.startsWith("-")) throw new UserError("errors.amount_negative", {}, field);
  const match = DECIMAL.exec(text);
  if (!match) throw new UserError("errors.amount_format", { value: input.slice(0, 40) }, field);
  if ((match[2] ?? "").length > MONEY_DECIMALS) throw new UserError("errors.amount_decimals", { max: MONEY_DECIMALS }, field);
  const micros = parseUsd(match[0])!;
  if (micros === 0n) throw new UserError("errors.amount_zero", {}, field);
  return micros;
}

/** Converts a raw on-chain token amount to micro-USD by the token's decimals (1 token = 1 USD). */
export function tokenUnitsToMicros(raw: bigint, decimals: number): bigint {
  if (decimals === MONEY_DECIMALS) return raw;
  if (decimals > MONEY_DECIMALS) return raw / 10n ** BigInt(decimals - MONEY_DECIMALS);
  return raw * 10n ** BigInt(MONEY_DECIMALS - decimals);
}

/** Converts micro-USD to raw token units (for "send exactly" instructions). */
export function microsToTokenUnits(micros: bigint, decimals: number): bigint {
  if (decimals >= MONEY_DECIMALS) return micros * 10n ** BigInt(decimals - MONEY_DECIMALS);
  return micros / 10n ** BigInt(MONEY_DECIMALS - decimals);
}

/** "12.5" for 12_500_000n: the plain decimal, trailing zeros trimmed, at least `minDecimals`. */
export function formatDecimal(micros: bigint, minDecimals = 2): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / MICROS_PER_USD;
  let fraction = (abs % MICROS_PER_USD).toString().padStart(MONEY_DECIMALS, "0").replace(/0+$/, "");
  if (fraction.length < minDecimals) fraction = fraction.padEnd(minDecimals, "0");
  const wholeText = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${wholeText}${fraction ? "." + fraction : ""}`;
}

/** "$12.50" */
export function formatUsd(micros: bigint): string {
  const text = formatDecimal(micros);
  return text.startsWith("-") ? `-$${text.slice(1)}` : `$${text}`;
}

/** Basis points (1/100 of a percent) applied to micro-USD, rounded down to the micro. */
export function applyBps(micros: bigint, bps: number): bigint {
  return (micros * BigInt(bps)) / 10_000n;
}
