import type { Platform } from "../core/command.ts";
import type { Tx } from "../db/index.ts";
import { editCard, postCard } from "../notify/outbox.ts";
import type { Services } from "../services.ts";

/** A transfer as its card shows it (a row of chain_transfers, with the orders it might be). */
export interface TransferCardData {
  id: bigint;
  network: string;
  txHash: string;
  logIndex: number;
  fromAddress: string;
  toAddress: string;
  amountMicros: bigint;
  blockNumber: bigint;
  blockTime: Date | null;
  status: string;
  reason: string | null;
  accountId: string | null;
  orderNo?: string | null;
  note: string | null;
  decidedById: string | null;
  candidates?: { orderNo: string; status: string }[];
}

export function transferCardKey(id: bigint): string {
  return `transfer:${id}`;
}

/** The outbox's reference to a transfer's support card: drawn from the transfer when it is delivered. */
export interface TransferCardRef {
  view: "transfer_card";
  transferId: string;
  /** Orders it might be, when it was found: what the card offers to credit it to. */
  candidates: { orderNo: string; status: string }[];
}

/** Where cards without a customer go: every configured chat surface's support channel, or the console. */
export function supportPlatforms(services: Services): Platform[] {
  const platforms: Platform[] = [];
  if (services.env.SLACK_BOT_TOKEN) platforms.push("slack");
  if (services.env.DISCORD_TOKEN) platforms.push("discord");
  return platforms.length ? platforms : ["console"];
}

/** What a transfer's card shows, as it is now; null when there is no such transfer. */
export async function transferCardData(tx: Tx, id: bigint, candidates: TransferCardRef["candidates"] = []): Promise<TransferCardData | null> {
  const row = await tx.chainTransfer.findUnique({ where: { id }, include: { order: { select: { orderNo: true } } } });
  return row && { ...row, orderNo: row.order?.orderNo ?? null, candidates };
}

/** Posts the card of an unmatched transfer (`candidates`: orders it might be) in every support channel. */
export async function postTransferCard(tx: Tx, services: Services, id: bigint, candidates: { orderNo: string; status: string }[]): Promise<void> {
  const payload: TransferCardRef = { view: "transfer_card", transferId: id.toString(), candidates };
  for (const platform of supportPlatforms(services)) await postCard(tx, { cardKey: transferCardKey(id), platform, payload, perPlatform: true });
}

/** Edits the transfer's cards in place once support decided. */
export async function updateTransferCard(tx: Tx, services: Services, id: bigint, revision: string): Promise<void> {
  const payload: TransferCardRef = { view: "transfer_card", transferId: id.toString(), candidates: [] };
  for (const platform of supportPlatforms(services)) await editCard(tx, { cardKey: transferCardKey(id), platform, payload, perPlatform: true }, revision);
}
