import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Webhook signatures, in the style of Stripe's: the signed string is `<timestamp>.<raw body>`, the
 * MAC is HMAC-SHA256 under the endpoint's secret, hex-encoded, and the header carries the
 * timestamp with one `v1=` per secret in force (two while a secret is being rotated):
 *
 *   Credit-Desk-Signature: t=1764518400,v1=5257a869…
 *
 * The timestamp is inside the signed string, so a receiver that refuses old timestamps refuses
 * replays of a captured request.
 */
export const SIGNATURE_HEADER = "credit-desk-signature";
export const DELIVERY_HEADER = "credit-desk-delivery";
export const EVENT_HEADER = "credit-desk-event";
export const TIMESTAMP_HEADER = "credit-desk-timestamp";
export const REDELIVERY_HEADER = "credit-desk-redelivery";
export const ATTEMPT_HEADER = "credit-desk-attempt";

/** How old a signed request may be when it arrives (what the README's receiver checks). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${signatureOf(secret, timestamp, body)}`)].join(",");
}

/** The same check the README shows a receiver, for our own tests and tools. */
export function verifySignature(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): boolean {
  const parts = header.split(",").map((p) => p.trim().split("="));
  const t = Number(parts.find(([k]) => k === "t")?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signatureOf(secret, t, body), "hex");
  return parts.some(([k, v]) => k === "v1" && v !== undefined && v.length === expected.length * 2 && timingSafeEqual(Buffer.from(v, "hex"), expected));
}
