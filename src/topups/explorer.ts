import { displayTxHash } from "../chain/txHash.ts";
import type { PaymentMethod } from "../methods/paymentMethods.ts";

export function explorerUrl(method: PaymentMethod | undefined, txHash: string): string | null {
  if (!method || method.kind !== "usdt") return null;
  return method.explorerTxUrl.replace("{hash}", displayTxHash(method.family, txHash));
}
