import { chainKeyOf } from "../chain/chainKey.ts";
import { chainClientFor, type ChainClient } from "../chain/rpc.ts";
import { getTransferLogs, type ScannedTransfer } from "../chain/scanTransfers.ts";
import { toEvmAddress } from "../chain/tron.ts";
import type { Services } from "../services.ts";
import { scansLogs, type UsdtNetwork } from "../methods/paymentMethods.ts";
import { settleDetectedTransfer, type TransferOutcome } from "./settleTransfer.ts";

/**
 * Detection without a hash (PRODUCT §3). Per network, the watcher reads the token's Transfer logs
 * to the deposit addresses (eth_getLogs, filtered by the node on token, event and recipient) from
 * a cursor kept in the database, in bounded block ranges, and settles each transfer.
 *
 * Only blocks with the network's confirmations are read, so a transfer is never seen before it
 * has them, and one a reorganisation removes is never seen at all. Before a block's transfers are
 * settled, its hash is read back: if the chain changed under the scan, the round stops and the
 * cursor stays, so the next round reads the new chain. The cursor moves after each range, once its
 * transfers are settled; a worker that dies in the middle reads that range again, and every
 * transfer is settled once because its row has a unique key (and the credit's keys behind it).
 */

export interface DetectionResult {
  network: string;
  /** Blocks read this round (0 when the cursor is at the confirmed head). */
  blocks: number;
  fromBlock: number | null;
  toBlock: number | null;
  transfers: number;
  credited: number;
  matched: number;
  unmatched: number;
  /** JSON-RPC requests this round cost. */
  rpcCalls: number;
}

export interface DetectionOptions {
  client?: ChainClient;
}

/** Per-account addresses watched: those of accounts with an open order, or one made this week. */
const RECENT_ORDER_MS = 7 * 24 * 3600_000;

export class ChainChangedError extends Error {
  constructor(readonly blockNumber: number) {
    super(`block ${blockNumber} changed during the scan (reorganisation): the scan starts again from the cursor`);
    this.name = "ChainChangedError";
  }
}

export async function detectPaymentsOnce(services: Services, network: UsdtNetwork, options: DetectionOptions = {}): Promise<DetectionResult> {
  const result: DetectionResult = { network: network.id, blocks: 0, fromBlock: null, toBlock: null, transfers: 0, credited: 0, matched: 0, unmatched: 0, rpcCalls: 0 };
  if (!scansLogs(network)) return result;
  const client = options.client ?? chainClientFor(network);
  const requestsBefore = client.stats.requests;
  try {
    const head = await client.provider.getBlockNumber();
    const confirmedHead = head - Math.max(1, network.confirmations) + 1;
    if (confirmedHead < 0) return result;
    const cursor = await readCursor(services, network, confirmedHead);
    if (cursor > confirmedHead) return result;

    const recipients = await recipientsOf(services, network);
    const chainKey = chainKeyOf(network);
    const token = toEvmAddress(network.tokenContract);
    const { maxBlockRange, maxRangesPerRound } = network.logScan;
    result.fromBlock = cursor;
    for (let from = cursor, ranges = 0; from <= confirmedHead && ranges < maxRangesPerRound; ranges++) {
      const to = Math.min(confirmedHead, from + maxBlockRange - 1);
      const transfers = recipients.size ? await getTransferLogs(client, { token, recipients: [...recipients.keys()], fromBlock: from, toBlock: to }) : [];
      const blocks = new Map<number, { hash: string; time: number }>();
      for (const transfer of transfers) {
        const block = await canonicalBlock(client, transfer, blocks);
        const outcome = await settleDetectedTransfer(services, network, {
          transfer,
          head,
          chainKey,
          token,
          blockTime: new Date(block.time * 1000),
          accountId: recipients.get(transfer.to) ?? null,
        });
        count(result, outcome);
      }
      await advanceCursor(services, network, to + 1);
      result.blocks += to - from + 1;
      result.toBlock = to;
      from = to + 1;
    }
    return result;
  } finally {
    result.rpcCalls = client.stats.requests - requestsBefore;
  }
}

function count(result: DetectionResult, outcome: TransferOutcome): void {
  result.transfers += 1;
  if (outcome === "credited") result.credited += 1;
  else if (outcome === "matched") result.matched += 1;
  else if (outcome === "unmatched") result.unmatched += 1;
}

/** The block of a transfer as the chain has it now (hash and time), read once per block per range. */
async function canonicalBlock(client: ChainClient, transfer: ScannedTransfer, blocks: Map<number, { hash: string; time: number }>) {
  let block = blocks.get(transfer.blockNumber);
  if (!block) {
    const read = await client.provider.getBlock(transfer.blockNumber);
    if (!read?.hash) throw new ChainChangedError(transfer.blockNumber);
    block = { hash: read.hash.toLowerCase(), time: read.timestamp };
    blocks.set(transfer.blockNumber, block);
  }
  if (block.hash !== transfer.blockHash) throw new ChainChangedError(transfer.blockNumber);
  return block;
}

/** The recipients to watch, each with the account it belongs to (per-account addresses). */
async function recipientsOf(services: Services, network: UsdtNetwork): Promise<Map<string, string | null>> {
  if (network.attribution !== "per-account-address") return new Map([[toEvmAddress(network.depositAddress!), null]]);
  const rows = await services.prisma.topupOrder.findMany({
    where: {
      payChain: chainKeyOf(network),
      payToken: toEvmAddress(network.tokenContract),
      attribution: "per-account-address",
      OR: [{ status: { in: ["pending", "submitted"] } }, { createdAt: { gte: new Date(services.now().getTime() - RECENT_ORDER_MS) } }],
    },
    select: { payAddress: true, accountId: true },
    distinct: ["payAddress"],
  });
  return new Map(rows.flatMap((r) => (r.payAddress ? [[r.payAddress, r.accountId] as const] : [])));
}

async function readCursor(services: Services, network: UsdtNetwork, confirmedHead: number): Promise<number> {
  const row = await services.prisma.chainCursor.findUnique({ where: { network: network.id } });
  if (row) return Number(row.nextBlock);
  return Math.max(0, confirmedHead - network.logScan.startBlocksBack);
}

/** Moves the cursor forward only: two workers scanning the same network never move it back. */
async function advanceCursor(services: Services, network: UsdtNetwork, nextBlock: number): Promise<void> {
  await services.prisma.$executeRaw`
    INSERT INTO "chain_cursors" ("network", "nextBlock", "updatedAt") VALUES (${network.id}, ${BigInt(nextBlock)}, now())
    ON CONFLICT ("network") DO UPDATE SET "nextBlock" = GREATEST("chain_cursors"."nextBlock", EXCLUDED."nextBlock"), "updatedAt" = now()`;
}
