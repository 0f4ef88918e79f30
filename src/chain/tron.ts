import { createHash } from "node:crypto";

/**
 * TRON addresses are the same 20 bytes as an EVM address, shown as base58check of
 * 0x41 ‖ address ‖ checksum (first 4 bytes of sha256(sha256(0x41 ‖ address))). TRON's
 * Ethereum-compatible JSON-RPC reports log and receipt addresses as plain 0x-hex, so the verifier
 * converts configured `T…` addresses to 0x form before comparing.
 */
const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const ALPHABET_INDEX = new Map([...ALPHABET].map((c, i) => [c, BigInt(i)]));
const TRON_PREFIX = 0x41;
const BASE58_SHAPE = /^T[1-9A-HJ-NP-Za-km-z]{33}$/;
const HEX41_SHAPE = /^(0x)?41[0-9a-fA-F]{40}$/;
const HEX20_SHAPE = /^0x[0-9a-fA-F]{40}$/;

function doubleSha256(bytes: Uint8Array): Buffer {
  return createHash("sha256").update(createHash("sha256").update(bytes).digest()).digest();
}

function base58Decode(text: string): Buffer | null {
  let value = 0n;
  for (const char of text) {
    const digit = ALPHABET_INDEX.get(char);
    if (digit === undefined) return null;
    value = value * 58n + digit;
  }
  let hex = value.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  const leadingZeros = text.length - text.replace(/^1+/, "").length;
  return Buffer.concat([Buffer.alloc(leadingZeros), Buffer.from(value === 0n ? "" : hex, "hex")]);
}

function base58Encode(bytes: Uint8Array): string {
  let value = BigInt("0x" + (Buffer.from(bytes).toString("hex") || "0"));
  let out = "";
  while (value > 0n) {
    out = ALPHABET[Number(value % 58n)] + out;
    value /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    out = "1" + out;
  }
  return out;
}

/** The 21 payload bytes (0x41 ‖ 20 bytes) of a base58check TRON address, or null when it is not one. */
function decodeBase58Address(address: string): Buffer | null {
  if (!BASE58_SHAPE.test(address)) return null;
  const raw = base58Decode(address);
  if (!raw || raw.length !== 25) return null;
  const payload = raw.subarray(0, 21);
  if (payload[0] !== TRON_PREFIX) return null;
  if (!doubleSha256(payload).subarray(0, 4).equals(raw.subarray(21))) return null;
  return payload;
}

/** True for a `T…` address whose checksum holds. */
export function isTronBase58Address(address: string): boolean {
  return decodeBase58Address(address) !== null;
}

/** `T…` → `41…` (lowercase, 42 hex characters). Throws on a bad checksum or shape. */
export function tronToHex41(address: string): string {
  const payload = decodeBase58Address(address);
  if (!payload) throw new Error(`not a valid TRON address: ${address.slice(0, 40)}`);
  return payload.toString("hex");
}

/** `T…` → `0x…` (the 20-byte form TRON's JSON-RPC reports). */
export function tronToEvmHex(address: string): string {
  return "0x" + tronToHex41(address).slice(2);
}

/** `41…`, `0x41…` (21 bytes) or `0x…` (20 bytes) → `T…`. */
export function hexToTron(hex: string): string {
  let body: string;
  if (HEX41_SHAPE.test(hex)) body = hex.replace(/^0x/, "").slice(2);
  else if (HEX20_SHAPE.test(hex)) body = hex.slice(2);
  else throw new Error(`not a TRON or EVM hex address: ${hex.slice(0, 46)}`);
  const payload = Buffer.concat([Buffer.from([TRON_PREFIX]), Buffer.from(body, "hex")]);
  return base58Encode(Buffer.concat([payload, doubleSha256(payload).subarray(0, 4)]));
}

/**
 * Any configured address form (`T…`, `41…`, `0x41…` of 21 bytes, `0x…` of 20 bytes) as the lowercase
 * 0x 20-byte hex that JSON-RPC logs carry. Throws when it is none of them (or a checksum fails).
 */
export function toEvmAddress(address: string): string {
  if (address.startsWith("T")) return tronToEvmHex(address);
  if (HEX20_SHAPE.test(address)) return address.toLowerCase();
  if (HEX41_SHAPE.test(address)) return "0x" + address.replace(/^0x/, "").slice(2).toLowerCase();
  throw new Error(`not an address: ${address.slice(0, 46)}`);
}
