import { zeroPadValue } from "ethers";
import type { ChainClient } from "./rpc.ts";
import { decodeTransferLog, TRANSFER_TOPIC, type TransferLog } from "./verifyTransfer.ts";

/** A token transfer found by scanning logs: where it is on chain, besides what it moved. */
export interface ScannedTransfer extends TransferLog {
  txHash: string;
  blockNumber: number;
  blockHash: string;
}

export interface TransferLogQuery {
  /** The token contract (0x form). */
  token: string;
  /** Recipients (0x form): the deposit address, or the accounts' own addresses. */
  recipients: readonly string[];
  fromBlock: number;
  toBlock: number;
}

/** eth_getLogs takes at most this many recipient topics in one call (providers limit the filter's size). */
export const RECIPIENTS_PER_CALL = 100;

/**
 * The token's Transfer logs to the given recipients in a block range: one eth_getLogs call per
 * RECIPIENTS_PER_CALL recipients, filtered by the node on token, event and recipient topic.
 * Logs a node marks as removed (a reorganisation under way) are left out.
 */
export async function getTransferLogs(client: ChainClient, query: TransferLogQuery): Promise<ScannedTransfer[]> {
  const found: ScannedTransfer[] = [];
  for (let i = 0; i < query.recipients.length; i += RECIPIENTS_PER_CALL) {
    const topics = query.recipients.slice(i, i + RECIPIENTS_PER_CALL).map((address) => zeroPadValue(address, 32));
    const logs = await client.provider.getLogs({
      address: query.token,
      topics: [TRANSFER_TOPIC, null, topics],
      fromBlock: query.fromBlock,
      toBlock: query.toBlock,
    });
    for (const log of logs) {
      if (log.removed) continue;
      const transfer = decodeTransferLog(log);
      if (!transfer) continue;
      found.push({ ...transfer, txHash: log.transactionHash.toLowerCase(), blockNumber: log.blockNumber, blockHash: log.blockHash.toLowerCase() });
    }
  }
  return found.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}
