import { HDNodeVoidWallet, HDNodeWallet } from "ethers";
import { hexToTron } from "./tron.ts";

/**
 * Per-account deposit addresses (BIP-32). The configuration holds an extended public key; each
 * account gets the address of the non-hardened path m/0/<index> below it, where <index> is
 * allocated once per account in the database. A public key derives addresses but cannot spend
 * from them: the bot never holds a private key, and refuses one in its configuration.
 * EVM and TRON addresses are the same 20 bytes (TRON shows them as base58check of 0x41 ‖ bytes).
 */

export interface DerivedAddress {
  index: number;
  /** The lowercase 0x form that JSON-RPC logs carry, for either family. */
  hex: string;
  /** What the customer is shown: checksummed 0x for EVM, `T…` for TRON. */
  display: string;
}

/** Why a configured key cannot be used, or null when it is a usable extended public key. */
export function xpubProblem(key: string): string | null {
  if (/^[xyzt]prv/i.test(key.trim())) return "this is a private key: configure the extended public key (xpub…), never a private one";
  try {
    const node = HDNodeWallet.fromExtendedKey(key.trim());
    if (!(node instanceof HDNodeVoidWallet)) return "this is a private key: configure the extended public key (xpub…), never a private one";
    return null;
  } catch {
    return "not a valid extended public key (xpub…)";
  }
}

const nodes = new Map<string, HDNodeVoidWallet>();

function branchOf(xpub: string): HDNodeVoidWallet {
  let branch = nodes.get(xpub);
  if (!branch) {
    const node = HDNodeWallet.fromExtendedKey(xpub.trim());
    if (!(node instanceof HDNodeVoidWallet)) throw new Error("deposit addresses derive from a public key only");
    branch = node.deriveChild(0);
    nodes.set(xpub, branch);
  }
  return branch;
}

/** The address at m/0/<index> below `xpub`, in both forms for `family`. */
export function deriveDepositAddress(xpub: string, index: number, family: "evm" | "tron"): DerivedAddress {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 31) throw new Error(`derivation index out of range: ${index}`);
  const address = branchOf(xpub).deriveChild(index).address;
  return { index, hex: address.toLowerCase(), display: family === "tron" ? hexToTron(address) : address };
}
