import { randomInt } from "node:crypto";
import type { Env } from "../config/env.ts";
import { CODE_ALPHABET } from "../codes/codeFormat.ts";

/**
 * An invite code is public (it is shared to be used), so it needs no secrecy, only to be unique
 * and easy to say: 8 symbols of the redemption codes' alphabet, 31^8 ≈ 8.5 × 10^11 of them.
 */
const LENGTH = 8;
const SHAPE = new RegExp(`^[${CODE_ALPHABET}]{${LENGTH}}$`);

export function newInviteCode(): string {
  let code = "";
  for (let i = 0; i < LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

export function normalizeInviteCode(input: string): string {
  return input.toUpperCase().replace(/[\s\-_.]/g, "");
}

export function isInviteCodeShape(normalized: string): boolean {
  return SHAPE.test(normalized);
}

/** ABCD-EFGH, as it is shown. */
export function displayInviteCode(normalized: string): string {
  return `${normalized.slice(0, 4)}-${normalized.slice(4)}`;
}

/** The invitation link: INVITE_LINK_TEMPLATE with the code in it, or null when none is configured. */
export function inviteLink(env: Pick<Env, "INVITE_LINK_TEMPLATE">, normalized: string): string | null {
  return env.INVITE_LINK_TEMPLATE ? env.INVITE_LINK_TEMPLATE.replace("{code}", encodeURIComponent(displayInviteCode(normalized))) : null;
}
