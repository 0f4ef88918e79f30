/** Transfers seen on chain are numbered for support: "P-000012". */
export function formatPaymentNo(id: bigint | number): string {
  return `P-${String(id).padStart(6, "0")}`;
}

/** Accepts "P-000012", "p-12", "P12" or "12"; null when it is none of them. */
export function parsePaymentRef(input: string): bigint | null {
  const match = /^(?:p-?)?(\d{1,15})$/i.exec(input.trim());
  return match ? BigInt(match[1]) : null;
}
