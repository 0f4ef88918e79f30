import { rpcErrors } from "../metrics.ts";
import { id, isError, type Log, type TransactionReceipt } from "ethers";
import { microsToTokenUnits, tokenUnitsToMicros } from "../ledger/money.ts";
import type { ChainNetwork } from "./network.ts";
import { chainClientFor, discardChainClient, WrongChainError, type ChainClient } from "./rpc.ts";
import { toEvmAddress } from "./tron.ts";
import { displayTxHash, normalizeTxHash } from "./txHash.ts";

/** keccak256("Transfer(address,address,uint256)"): the ERC-20 (and TRC-20) Transfer event. */
export const TRANSFER_TOPIC = id("Transfer(address,address,uint256)");

export type { AmountVerdict, AutoOutcome, RpcFailure, TransferLog, TransferVerdict, VerdictConflict } from "./verdict.ts";
import type { AmountVerdict, RpcFailure, TransferLog, TransferVerdict } from "./verdict.ts";

export interface VerifyTransferInput {
  network: ChainNetwork;
  txHash: string;
  /** micro-USD: what the order told the customer to pay (its instructed amount). */
  requestedAmount: bigint;
  /** Where the order was to be paid (0x form); the network's shared deposit address when omitted. */
  payAddress?: string;
  createdAt: Date;
  /** micro-USD; the network's minimum when omitted. */
  minimum?: bigint;
}

export interface VerifyTransferOptions {
  now?: () => Date;
  /** The network's shared client by default. */
  client?: ChainClient;
  /** Shares the chain head and block times among the verifications of one watcher round. */
  round?: VerificationRound;
}

/**
 * What several verifications in a row can share: the chain head, read once per round (a head a
 * few seconds old only undercounts confirmations), and block times, which never change for a
 * block hash. A round of n transactions then costs n receipts, one head and one block per
 * distinct block, instead of 3n calls.
 */
export interface VerificationRound {
  head(): Promise<number>;
  blockTime(blockHash: string): Promise<number | null>;
}

export function newVerificationRound(client: ChainClient): VerificationRound {
  let head: Promise<number> | null = null;
  const blocks = new Map<string, Promise<number | null>>();
  return {
    head() {
      head ??= client.provider.getBlockNumber().catch((err: unknown) => {
        head = null;
        throw err;
      });
      return head;
    },
    blockTime(blockHash) {
      let found = blocks.get(blockHash);
      if (!found) {
        found = client.provider.getBlock(blockHash).then(
          (block) => block?.timestamp ?? null,
          (err: unknown) => {
            blocks.delete(blockHash);
            throw err;
          },
        );
        blocks.set(blockHash, found);
      }
      return found;
    },
  };
}

function topicAddress(topic: string): string {
  return ("0x" + topic.slice(-40)).toLowerCase();
}

/** Decodes a log as an ERC-20 Transfer, or null when it is not one (wrong topic or shape). */
export function decodeTransferLog(log: Pick<Log, "topics" | "data" | "address" | "index">): TransferLog | null {
  if (log.topics.length !== 3 || log.topics[0].toLowerCase() !== TRANSFER_TOPIC) return null;
  if (!/^0x[0-9a-fA-F]{64}$/.test(log.data)) return null;
  return {
    logIndex: log.index,
    token: log.address.toLowerCase(),
    from: topicAddress(log.topics[1]),
    to: topicAddress(log.topics[2]),
    amountRaw: BigInt(log.data).toString(),
  };
}

export function judgeAmount(amount: bigint, requested: bigint, minimum: bigint): AmountVerdict {
  if (amount < minimum) return "under_minimum";
  if (amount < requested) return "less_than_requested";
  if (amount === requested) return "exact";
  return "more_than_requested";
}

/** A message about an RPC failure that names no URL (an API key may be part of one). */
export function describeRpcFailure(err: unknown): RpcFailure {
  if (err instanceof WrongChainError) {
    return { kind: "wrong_chain", message: err.message, expectedChainId: err.expected, actualChainId: err.actual };
  }
  if (isError(err, "TIMEOUT")) return { kind: "timeout", message: scrubUrls(err.shortMessage) };
  const text = isError(err, "UNKNOWN_ERROR") || isError(err, "SERVER_ERROR") || isError(err, "NETWORK_ERROR")
    ? err.shortMessage
    : err instanceof Error
      ? err.message
      : String(err);
  return { kind: "rpc_error", message: scrubUrls(text).slice(0, 300) };
}

function scrubUrls(text: string): string {
  return text.replace(/\b(https?|wss?):\/\/[^\s"')]+/gi, (url) => {
    try {
      return new URL(url).host;
    } catch {
      return "[url]";
    }
  });
}

function baseVerdict(input: VerifyTransferInput, txHash: string, now: Date): TransferVerdict {
  const { network } = input;
  const minimum = input.minimum ?? network.minimum;
  return {
    version: 1,
    network: network.id,
    family: network.family,
    chainId: network.chainId,
    txHash,
    explorerUrl: network.explorerTxUrl.replace("{hash}", displayTxHash(network.family, txHash)),
    checkedAt: now.toISOString(),
    error: null,
    receiptFound: false,
    succeeded: null,
    blockNumber: null,
    blockHash: null,
    tokenContract: toEvmAddress(network.tokenContract),
    depositAddress: input.payAddress?.toLowerCase() ?? toEvmAddress(network.depositAddress ?? "0x0000000000000000000000000000000000000000"),
    tokenMatched: false,
    recipientMatched: false,
    transferLogs: [],
    matchedLogIndexes: [],
    otherTransfers: [],
    decimals: network.decimals,
    amountRaw: "0",
    amountMicros: "0",
    requestedAmount: input.requestedAmount.toString(),
    minimum: minimum.toString(),
    amountVerdict: null,
    confirmations: null,
    requiredConfirmations: network.confirmations,
    confirmationsOk: false,
    blockTime: null,
    notBefore: new Date(input.createdAt.getTime() - network.blockTimeSkewSeconds * 1000).toISOString(),
    blockTimeOk: null,
    allPassed: false,
  };
}

/** Fills the log, amount and status checks from a receipt (pure: no RPC). */
export function applyReceipt(verdict: TransferVerdict, receipt: Pick<TransactionReceipt, "status" | "blockNumber" | "blockHash" | "logs">): void {
  const transfers = receipt.logs.flatMap((log) => decodeTransferLog(log) ?? []);
  applyTransfers(verdict, { succeeded: receipt.status === 1, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash }, transfers);
}

/** The same checks from a transaction's decoded Transfer logs (pure). */
function applyTransfers(verdict: TransferVerdict, tx: { succeeded: boolean; blockNumber: number; blockHash: string }, transfers: TransferLog[]): void {
  verdict.receiptFound = true;
  verdict.succeeded = tx.succeeded;
  verdict.blockNumber = tx.blockNumber;
  verdict.blockHash = tx.blockHash.toLowerCase();
  const candidates: TransferLog[] = [];
  for (const transfer of transfers) {
    const fromToken = transfer.token === verdict.tokenContract;
    const toDeposit = transfer.to === verdict.depositAddress;
    if (fromToken) verdict.tokenMatched = true;
    if (fromToken && toDeposit) candidates.push(transfer);
    else if (verdict.otherTransfers.length < 10) verdict.otherTransfers.push(transfer);
  }
  // One transaction may pay several orders (an exchange's batch withdrawal): a log of exactly the
  // order's amount is this order's, and the others are someone else's. Otherwise the logs to the
  // address are summed (a wallet that split one payment).
  const expectedRaw = exactTokenUnits(BigInt(verdict.requestedAmount), verdict.decimals);
  const exact = expectedRaw === null ? undefined : candidates.find((log) => BigInt(log.amountRaw) === expectedRaw);
  const matched = exact ? [exact] : candidates;
  for (const other of candidates) {
    if (!matched.includes(other) && verdict.otherTransfers.length < 10) verdict.otherTransfers.push(other);
  }
  let sum = 0n;
  for (const transfer of matched) {
    verdict.recipientMatched = true;
    verdict.transferLogs.push(transfer);
    verdict.matchedLogIndexes.push(transfer.logIndex);
    sum += BigInt(transfer.amountRaw);
  }
  verdict.amountRaw = sum.toString();
  const micros = tokenUnitsToMicros(sum, verdict.decimals);
  verdict.amountMicros = micros.toString();
  if (verdict.transferLogs.length > 0) {
    verdict.amountVerdict = judgeAmount(micros, BigInt(verdict.requestedAmount), BigInt(verdict.minimum));
  }
}

/** The raw token units of a micro-USD amount, or null when the token cannot carry it exactly. */
export function exactTokenUnits(micros: bigint, decimals: number): bigint | null {
  const raw = microsToTokenUnits(micros, decimals);
  return tokenUnitsToMicros(raw, decimals) === micros ? raw : null;
}

export function finish(verdict: TransferVerdict): TransferVerdict {
  verdict.allPassed =
    verdict.error === null &&
    verdict.receiptFound &&
    verdict.succeeded === true &&
    verdict.transferLogs.length > 0 &&
    verdict.amountVerdict === "exact" &&
    verdict.confirmationsOk &&
    verdict.blockTimeOk === true &&
    !verdict.conflicts?.length;
  return verdict;
}

/** Everything passes but the confirmations: worth re-checking after more blocks. */
export function waitingForConfirmations(verdict: TransferVerdict): boolean {
  return (
    verdict.error === null &&
    verdict.receiptFound &&
    verdict.succeeded === true &&
    verdict.amountVerdict === "exact" &&
    verdict.blockTimeOk === true &&
    !verdict.conflicts?.length &&
    !verdict.confirmationsOk
  );
}

/**
 * Checks a submitted transaction against the network's configuration. Three RPC calls at most:
 * the receipt, then the receipt's block (for its time) and the chain head, side by side. An RPC
 * failure is reported in `error` and never passes.
 */
export async function verifyTransfer(input: VerifyTransferInput, options: VerifyTransferOptions = {}): Promise<TransferVerdict> {
  const now = options.now?.() ?? new Date();
  const txHash = normalizeTxHash(input.network.family, input.txHash);
  const verdict = baseVerdict(input, txHash, now);
  const client = options.client ?? chainClientFor(input.network);
  try {
    const receipt = await client.provider.getTransactionReceipt(txHash);
    if (!receipt) return finish(verdict);
    applyReceipt(verdict, receipt);
    const [timestamp, head] = options.round
      ? await Promise.all([options.round.blockTime(receipt.blockHash), options.round.head()])
      : await Promise.all([client.provider.getBlock(receipt.blockHash).then((b) => b?.timestamp ?? null), client.provider.getBlockNumber()]);
    verdict.confirmations = Math.max(0, head - receipt.blockNumber + 1);
    verdict.confirmationsOk = verdict.confirmations >= input.network.confirmations;
    if (timestamp !== null) {
      verdict.blockTime = new Date(timestamp * 1000).toISOString();
      verdict.blockTimeOk = timestamp * 1000 >= Date.parse(verdict.notBefore);
    } else {
      // The receipt's block is gone between two calls: a reorg is under way.
      verdict.blockTimeOk = false;
    }
  } catch (err) {
    verdict.error = describeRpcFailure(err);
    rpcErrors.inc({ network: input.network.id });
    if (!options.client) discardChainClient(input.network);
  }
  return finish(verdict);
}

export type ReceiptRecheck =
  | { status: "same"; blockHash: string }
  | { status: "moved"; blockHash: string }
  | { status: "vanished" }
  | { status: "failed" }
  | { status: "error"; error: RpcFailure };

/**
 * Right before crediting: is the transaction still in the block the verdict saw? One RPC call.
 * A receipt that vanished, moved to another block or no longer succeeds is not credited.
 */
export async function recheckReceipt(
  network: ChainNetwork,
  txHash: string,
  expectedBlockHash: string,
  options: { client?: ChainClient } = {},
): Promise<ReceiptRecheck> {
  const client = options.client ?? chainClientFor(network);
  try {
    const receipt = await client.provider.getTransactionReceipt(txHash);
    if (!receipt) return { status: "vanished" };
    if (receipt.status !== 1) return { status: "failed" };
    const blockHash = receipt.blockHash.toLowerCase();
    return blockHash === expectedBlockHash.toLowerCase() ? { status: "same", blockHash } : { status: "moved", blockHash };
  } catch (err) {
    if (!options.client) discardChainClient(network);
    rpcErrors.inc({ network: network.id });
    return { status: "error", error: describeRpcFailure(err) };
  }
}

/**
 * The verdict of a transfer found by the log scan (no hash from the customer): the same checks a
 * submitted hash gets, from the log itself, the chain head and the block's time. A log exists
 * only for a transaction that succeeded.
 */
export function verdictFromTransfer(
  input: VerifyTransferInput,
  transfer: TransferLog & { txHash: string; blockNumber: number; blockHash: string },
  chain: { head: number; blockTime: number | null },
  now: Date,
): TransferVerdict {
  const verdict = baseVerdict(input, transfer.txHash, now);
  verdict.source = "detected";
  const log: TransferLog = { logIndex: transfer.logIndex, token: transfer.token, from: transfer.from, to: transfer.to, amountRaw: transfer.amountRaw };
  applyTransfers(verdict, { succeeded: true, blockNumber: transfer.blockNumber, blockHash: transfer.blockHash }, [log]);
  verdict.confirmations = Math.max(0, chain.head - transfer.blockNumber + 1);
  verdict.confirmationsOk = verdict.confirmations >= input.network.confirmations;
  if (chain.blockTime !== null) {
    verdict.blockTime = new Date(chain.blockTime * 1000).toISOString();
    verdict.blockTimeOk = chain.blockTime * 1000 >= Date.parse(verdict.notBefore);
  }
  return finish(verdict);
}

/**
 * The configured token's Transfer logs of one transaction, to any recipient: null when there is
 * no receipt (or it failed). One RPC call. Throws when the RPC fails.
 */
export async function tokenTransfersOf(network: ChainNetwork, txHash: string, options: { client?: ChainClient } = {}): Promise<TransferLog[] | null> {
  const client = options.client ?? chainClientFor(network);
  const receipt = await client.provider.getTransactionReceipt(txHash);
  if (!receipt || receipt.status !== 1) return null;
  const token = toEvmAddress(network.tokenContract);
  return receipt.logs.flatMap((log) => {
    const transfer = decodeTransferLog(log);
    return transfer && transfer.token === token ? [transfer] : [];
  });
}
