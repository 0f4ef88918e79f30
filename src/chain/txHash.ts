import { UserError } from "../errors.ts";

export type ChainFamily = "evm" | "tron";

const EVM_HASH = /^0x[0-9a-fA-F]{64}$/;
// TRON explorers and wallets show the hash without 0x; its JSON-RPC wants it with.
const TRON_HASH = /^(0x)?[0-9a-fA-F]{64}$/;

/**
 * Checks a customer-typed transaction hash against its network's format and returns the one form
 * stored and queried everywhere: lowercase with 0x. One form matters because the database refuses
 * the same (network, hash) twice, and "0xAB…", "ab…" and "0xab…" are the same transaction.
 */
export function normalizeTxHash(family: ChainFamily, input: string, field = "txHash"): string {
  const text = input.trim();
  const shape = family === "tron" ? TRON_HASH : EVM_HASH;
  if (!shape.test(text)) throw new UserError("errors.tx_hash_format", {}, field);
  return "0x" + text.replace(/^0x/i, "").toLowerCase();
}

/** The hash as the network's explorer shows it (TRON without 0x). */
export function displayTxHash(family: ChainFamily, normalized: string): string {
  return family === "tron" ? normalized.replace(/^0x/, "") : normalized;
}
