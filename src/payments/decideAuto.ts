import type { UsdtNetwork } from "../methods/paymentMethods.ts";
import { waitingForConfirmations, type AutoOutcome, type TransferVerdict } from "../chain/verifyTransfer.ts";

/** How long a hash with no receipt is looked for again: a customer may send the proof before the transfer is mined. */
export const NOT_FOUND_WINDOW_MS = 60 * 60_000;

export interface AutoDecision {
  /** Undefined on a network without automatic confirmation (the card shows the checks only). */
  outcome?: AutoOutcome;
  /** Whether the watcher looks at this order again next round. */
  watch: "open" | "settled";
  /** Credit it now (after the last look at the receipt). */
  credit: boolean;
}

/**
 * What the watcher does with a fresh verdict. Only a verdict where everything passed, on a
 * network that auto-confirms, within its cap, is credited without a person; an RPC failure is
 * never a pass, and is simply tried again next round.
 */
export function decideAuto(verdict: TransferVerdict, network: UsdtNetwork, submittedAt: Date | null, now: Date, attribution: string | null = network.attribution): AutoDecision {
  const auto = network.autoConfirm;
  const pick = (outcome: AutoOutcome) => (auto ? outcome : undefined);

  if (verdict.error) return { outcome: pick("rpc_unavailable"), watch: "open", credit: false };
  if (!verdict.receiptFound) {
    const young = !submittedAt || now.getTime() - submittedAt.getTime() < NOT_FOUND_WINDOW_MS;
    return { outcome: pick("not_passed"), watch: young ? "open" : "settled", credit: false };
  }
  if (waitingForConfirmations(verdict)) return { outcome: pick("waiting_confirmations"), watch: "open", credit: false };
  if (verdict.allPassed) {
    if (!auto) return { watch: "settled", credit: false };
    // Only a payment bound to this order (its unique amount, or its account's own address) is credited without a person.
    if (attribution !== "unique-amount" && attribution !== "per-account-address") return { outcome: "not_attributed", watch: "settled", credit: false };
    if (network.autoConfirmCap === undefined || BigInt(verdict.amountMicros) > network.autoConfirmCap) {
      return { outcome: "above_cap", watch: "settled", credit: false };
    }
    return { outcome: "eligible", watch: "settled", credit: true };
  }
  // A check failed: support decides. Keep counting confirmations for the card until there are enough.
  const stillConfirming = verdict.succeeded === true && !verdict.confirmationsOk;
  return { outcome: pick("not_passed"), watch: stillConfirming ? "open" : "settled", credit: false };
}

/** The holds: a person must decide, and the watcher no longer credits this order. */
export const HOLD_OUTCOMES: readonly AutoOutcome[] = ["reorg_vanished", "reorg_moved", "reorg_failed", "refused"];

export function isHeld(verdict: TransferVerdict | null | undefined): boolean {
  return !!verdict?.auto && HOLD_OUTCOMES.includes(verdict.auto.outcome);
}

/** What a support card shows of a verdict; a new card edit is worth it only when this changes. */
export function cardSignature(verdict: TransferVerdict | null | undefined): string {
  if (!verdict) return "";
  return JSON.stringify([
    verdict.error?.kind ?? null,
    verdict.error?.actualChainId ?? null,
    verdict.receiptFound,
    verdict.succeeded,
    verdict.blockHash,
    verdict.tokenMatched,
    verdict.recipientMatched,
    verdict.amountMicros,
    verdict.amountVerdict,
    verdict.confirmationsOk,
    verdict.blockTimeOk,
    verdict.auto?.outcome ?? null,
    (verdict.conflicts ?? []).map((c) => `${c.kind}:${c.orderNo}`).join(","),
  ]);
}
