import type { Tx } from "../db/index.ts";
import { editCard, postCard, type SupportCard } from "../notify/outbox.ts";
import type { Platform } from "../reply.ts";
import type { Adjustment } from "./adjustment.ts";

/** The outbox's reference to an adjustment's card, drawn from the request as it is at delivery. */
export interface AdjustmentCardRef {
  view: "adjustment_card";
  adjustmentId: string;
}

export function adjustmentCardKey(id: string): string {
  return `adjustment:${id}`;
}

/** Posts the card with Approve / Decline in the support channel of the surface it was asked on. */
export async function postAdjustmentCard(tx: Tx, adjustment: Adjustment): Promise<void> {
  await postCard(tx, cardOf(adjustment));
}

/** Edits the card in place once the request is decided: its buttons go, the outcome shows. */
export async function updateAdjustmentCard(tx: Tx, adjustment: Adjustment): Promise<void> {
  await editCard(tx, cardOf(adjustment), adjustment.status);
}

function cardOf(adjustment: Adjustment): SupportCard {
  const payload: AdjustmentCardRef = { view: "adjustment_card", adjustmentId: adjustment.id };
  return { cardKey: adjustmentCardKey(adjustment.id), platform: adjustment.surface as Platform, payload };
}
