import { randomInt } from "node:crypto";

/**
 * Redemption codes are read aloud and typed from a screen or a printed card: no 0/O, no 1/I/L.
 * 31 symbols × 16 = 79.3 bits, far past what guessing at the rate `redeem` allows can reach, and
 * the database stores only an HMAC of each (codeHash.ts), so a leaked table does not give them away.
 */
export const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const CODE_LENGTH = 16;
const SHAPE = new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`);

/** A fresh code, grouped by four for reading: ABCD-EFGH-JKMN-PQRS. */
export function newRedemptionCode(): string {
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return groupCode(code);
}

export function groupCode(normalized: string): string {
  return normalized.match(/.{1,4}/g)!.join("-");
}

/** What a customer typed, as stored: upper case, without spaces, dashes, dots or underscores. */
export function normalizeRedemptionCode(input: string): string {
  return input.toUpperCase().replace(/[\s\-_.]/g, "");
}

/** Whether a normalized code could be one we issue (the right length and symbols). */
export function isRedemptionCodeShape(normalized: string): boolean {
  return SHAPE.test(normalized);
}
