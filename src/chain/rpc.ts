import Bottleneck from "bottleneck";
import {
  FallbackProvider,
  FetchRequest,
  JsonRpcProvider,
  makeError,
  Network,
  type AbstractProvider,
  type FetchGetUrlFunc,
  type GetUrlResponse,
} from "ethers";
import { sleep } from "../lib/loop.ts";
import { httpRpcUrls, type ChainNetwork } from "./network.ts";

/**
 * The JSON-RPC connection of one network. ethers does the protocol (JsonRpcProvider, or a
 * FallbackProvider over several URLs); this file owns the transport underneath it, because that is
 * where a billing bot needs guarantees ethers does not give by default:
 * - every HTTP request of the network goes through one bottleneck limiter (concurrency, spacing);
 * - each attempt has a hard timeout (AbortSignal), so a hung node cannot hold the watcher;
 * - HTTP 429 is retried with backoff, honouring Retry-After in seconds;
 * - before its first request, each URL must answer eth_chainId with the configured chain id
 *   (cached once it has). A node on the wrong chain fails every request, so it never confirms.
 * Batching is off and ethers' short result cache is disabled: one call is one request, and a
 * block number read right after a block was mined is that block's.
 */

export class WrongChainError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number | null,
    readonly endpoint: string,
  ) {
    super(`RPC ${endpoint} is on chain ${actual ?? "unknown"}, expected ${expected}`);
    this.name = "WrongChainError";
  }
}

export interface RpcStats {
  /** HTTP requests sent (each is one JSON-RPC call: batching is off). */
  requests: number;
  byMethod: Record<string, number>;
  throttled: number;
  timeouts: number;
  failures: number;
}

export interface ChainClient {
  readonly network: ChainNetwork;
  readonly provider: AbstractProvider;
  readonly stats: RpcStats;
  destroy(): void;
}

const MAX_429_RETRIES = 4;
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 10_000;

/** The host of an RPC URL, for logs and verdicts: URLs often carry an API key in the path or query. */
export function endpointLabel(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "rpc";
  }
}

function retryAfterMs(headers: Record<string, string>): number | null {
  const value = headers["retry-after"];
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function methodOf(body: Uint8Array | null): string {
  if (!body) return "?";
  try {
    const parsed = JSON.parse(Buffer.from(body).toString("utf8")) as { method?: string };
    return parsed.method ?? "?";
  } catch {
    return "?";
  }
}

class Endpoint {
  private chainVerified = false;
  private pendingCheck: Promise<void> | null = null;
  readonly label: string;

  constructor(
    readonly url: string,
    private readonly network: ChainNetwork,
    private readonly limiter: Bottleneck,
    private readonly stats: RpcStats,
  ) {
    this.label = endpointLabel(url);
  }

  private async attempt(body: Uint8Array, headers: Record<string, string>, method: string): Promise<GetUrlResponse> {
    return this.limiter.schedule(async () => {
      this.stats.requests += 1;
      this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1;
      let response: Response;
      try {
        response = await fetch(this.url, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(this.network.rpcTimeoutMs),
        });
        const bytes = new Uint8Array(await response.arrayBuffer());
        return {
          statusCode: response.status,
          statusMessage: response.statusText,
          headers: Object.fromEntries([...response.headers].map(([k, v]) => [k.toLowerCase(), v])),
          body: bytes,
        };
      } catch (err) {
        if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
          this.stats.timeouts += 1;
          throw makeError(`RPC ${this.label} did not answer within ${this.network.rpcTimeoutMs} ms`, "TIMEOUT", {
            operation: method,
            reason: "timeout",
          });
        }
        this.stats.failures += 1;
        const cause = err instanceof Error ? ((err.cause as { code?: string } | undefined)?.code ?? err.message) : String(err);
        throw makeError(`RPC ${this.label} unreachable (${cause})`, "NETWORK_ERROR", { event: method });
      }
    });
  }

  /** Sends one request: limited, timed out per attempt, retried with backoff on 429. */
  async post(body: Uint8Array, headers: Record<string, string> = {}): Promise<GetUrlResponse> {
    const method = methodOf(body);
    for (let retry = 0; ; retry++) {
      const response = await this.attempt(body, headers, method);
      if (response.statusCode !== 429 || retry >= MAX_429_RETRIES) return response;
      this.stats.throttled += 1;
      const backoff = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retry);
      await sleep(Math.min(BACKOFF_CAP_MS, retryAfterMs(response.headers) ?? backoff));
    }
  }

  async ensureChain(): Promise<void> {
    if (this.chainVerified) return;
    this.pendingCheck ??= this.checkChain().finally(() => {
      this.pendingCheck = null;
    });
    await this.pendingCheck;
  }

  private async checkChain(): Promise<void> {
    const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 0, method: "eth_chainId", params: [] }));
    const response = await this.post(body);
    let actual: number | null = null;
    try {
      const parsed = JSON.parse(Buffer.from(response.body ?? new Uint8Array()).toString("utf8")) as { result?: string };
      if (typeof parsed.result === "string" && /^0x[0-9a-f]+$/i.test(parsed.result)) actual = Number(BigInt(parsed.result));
    } catch {
      actual = null;
    }
    if (response.statusCode !== 200 || actual === null) {
      throw makeError(`RPC ${this.label} did not answer eth_chainId (HTTP ${response.statusCode})`, "SERVER_ERROR", { request: "eth_chainId" });
    }
    if (actual !== this.network.chainId) throw new WrongChainError(this.network.chainId, actual, this.label);
    this.chainVerified = true;
  }

  readonly getUrl: FetchGetUrlFunc = async (request) => {
    await this.ensureChain();
    return this.post(request.body ?? new Uint8Array(), request.headers);
  };
}

function emptyStats(): RpcStats {
  return { requests: 0, byMethod: {}, throttled: 0, timeouts: 0, failures: 0 };
}

function jsonRpcProvider(endpoint: Endpoint, network: Network, timeoutMs: number): JsonRpcProvider {
  const request = new FetchRequest(endpoint.url);
  request.getUrlFunc = endpoint.getUrl;
  request.timeout = timeoutMs;
  // Our transport already retried 429s; ethers must not retry on its own (it reads Retry-After as ms).
  request.setThrottleParams({ maxAttempts: 1 });
  return new JsonRpcProvider(request, network, { staticNetwork: network, batchMaxCount: 1, cacheTimeout: -1 });
}

/** Builds the client of a network: one limiter, one endpoint per URL, and the ethers provider on top. */
export function createChainClient(network: ChainNetwork): ChainClient {
  const urls = httpRpcUrls(network);
  if (urls.length === 0) throw new Error(`network ${network.id} has no http(s) RPC URL`);
  const stats = emptyStats();
  const limiter = new Bottleneck({ maxConcurrent: network.rpcConcurrency, minTime: network.rpcMinSpacingMs });
  const ethersNetwork = Network.from(BigInt(network.chainId));
  const endpoints = urls.map((url) => new Endpoint(url, network, limiter, stats));
  const children = endpoints.map((e) => jsonRpcProvider(e, ethersNetwork, network.rpcTimeoutMs));
  const provider: AbstractProvider =
    children.length === 1
      ? children[0]
      : new FallbackProvider(
          // The first URL listed is preferred; another is tried when it stalls past the timeout.
          children.map((child, index) => ({ provider: child, priority: index + 1, weight: 1, stallTimeout: network.rpcTimeoutMs })),
          ethersNetwork,
          { quorum: 1, cacheTimeout: -1 },
        );
  return {
    network,
    provider,
    stats,
    destroy() {
      provider.destroy();
      void limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
    },
  };
}

const clients = new Map<string, ChainClient>();

function clientKey(network: ChainNetwork): string {
  return JSON.stringify([network.id, network.chainId, network.rpcUrls, network.rpcConcurrency, network.rpcMinSpacingMs, network.rpcTimeoutMs]);
}

/** The shared client of a network (the chain id check and the limiter live as long as it does). */
export function chainClientFor(network: ChainNetwork): ChainClient {
  const key = clientKey(network);
  let client = clients.get(key);
  if (!client) {
    client = createChainClient(network);
    clients.set(key, client);
  }
  return client;
}

/**
 * Drops a network's shared client after a failure that may have poisoned it: ethers'
 * FallbackProvider excludes, for its whole life, a URL that was down when it first synced.
 */
export function discardChainClient(network: ChainNetwork): void {
  const key = clientKey(network);
  const client = clients.get(key);
  if (client && client.provider instanceof FallbackProvider) {
    clients.delete(key);
    client.destroy();
  }
}

/** Closes the shared clients of these networks (a watcher that stops); others keep theirs. */
export function closeChainClientsOf(networks: readonly ChainNetwork[]): void {
  for (const network of networks) {
    const key = clientKey(network);
    clients.get(key)?.destroy();
    clients.delete(key);
  }
}

export function closeChainClients(): void {
  for (const client of clients.values()) client.destroy();
  clients.clear();
}
