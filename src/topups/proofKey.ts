/**
 * What makes two proofs "the same payment". A chain transaction hash is the same payment on any
 * network: the same 64 hex digits cited for a TRC20 and an ERC20 order is a copy, not a
 * coincidence. A manual method's reference is compared without case, spaces or punctuation,
 * so "REF-0001", "ref 0001" and "Ref.0001" are one reference.
 */
export function chainProofKey(normalizedHash: string): string {
  return `tx:${normalizedHash.toLowerCase()}`;
}

export function normalizeReference(reference: string): string {
  return reference.normalize("NFKC").toUpperCase().replace(/[^\p{L}\p{N}]/gu, "");
}

export function referenceProofKey(methodId: string, reference: string): string {
  return `ref:${methodId}:${normalizeReference(reference)}`;
}
