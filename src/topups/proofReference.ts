import { normalizeTxHash } from "../chain/txHash.ts";
import { UserError } from "../errors.ts";
import type { PaymentMethod } from "../methods/paymentMethods.ts";
import { chainProofKey, referenceProofKey } from "./proofKey.ts";

const MANUAL_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9_\-./]{3,99}$/;

/**
 * What a customer typed as their payment's proof, checked against the order's method: a chain
 * method wants a transaction hash in its network's format (kept in its one stored form), a manual
 * method a bank or payment reference. Returns the stored text and the key that makes a proof
 * citable by one order; a proof that is neither is the customer's to fix (field `txHash`).
 */
export function proofReference(method: PaymentMethod, typed: string): { txHash: string; proofKey: string } {
  if (method.kind === "usdt") {
    const txHash = normalizeTxHash(method.family, typed, "txHash");
    return { txHash, proofKey: chainProofKey(txHash) };
  }
  const txHash = typed.trim();
  if (!MANUAL_REFERENCE.test(txHash)) throw new UserError("errors.payment_reference_format", {}, "txHash");
  return { txHash, proofKey: referenceProofKey(method.id, txHash) };
}
