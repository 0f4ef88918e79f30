import { createHmac } from "node:crypto";
import type { Env } from "../config/env.ts";
import { UserError } from "../errors.ts";

/**
 * Codes are stored as HMAC-SHA256 under a server secret (REDEMPTION_CODE_SECRET), not as a plain
 * hash: whoever reads the table without the secret cannot test guesses offline. Several keys may
 * be configured while rotating; the first hashes new codes and every one is tried on redemption.
 */
const DEVELOPMENT_KEY = "credit-desk development key for redemption codes: set REDEMPTION_CODE_SECRET";

export function codeHashKeys(env: Pick<Env, "REDEMPTION_CODE_SECRET">): string[] {
  return env.REDEMPTION_CODE_SECRET.length ? env.REDEMPTION_CODE_SECRET : [DEVELOPMENT_KEY];
}

/** The key new codes are hashed with; in production a configured one, never the built-in one. */
export function creationKey(env: Pick<Env, "REDEMPTION_CODE_SECRET" | "NODE_ENV">): string {
  if (env.NODE_ENV === "production" && env.REDEMPTION_CODE_SECRET.length === 0) throw new UserError("codes.errors.no_secret");
  return codeHashKeys(env)[0];
}

export function hashRedemptionCode(key: string, normalized: string): string {
  return createHmac("sha256", key).update(`redemption-code:${normalized}`).digest("hex");
}

/** The hash of a typed code under every configured key. */
export function candidateHashes(env: Pick<Env, "REDEMPTION_CODE_SECRET">, normalized: string): string[] {
  return codeHashKeys(env).map((key) => hashRedemptionCode(key, normalized));
}
