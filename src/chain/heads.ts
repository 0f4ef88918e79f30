import { Network, WebSocketProvider } from "ethers";
import type { Logger } from "../log.ts";
import { endpointLabel } from "./rpc.ts";

/**
 * New heads over a WebSocket (eth_subscribe "newHeads", through ethers' WebSocketProvider), so
 * the watcher works per block instead of per poll. Only heads travel over the socket: requests
 * stay on the network's HTTP endpoints, whose timeouts and limits hold (a request in flight on a
 * socket that dies is never answered). ethers does not reconnect a closed socket, so this does,
 * with backoff; while it is down the watcher's polling carries on alone.
 */
export interface HeadSubscription {
  /** The socket is open and subscribed. */
  connected(): boolean;
  stop(): void;
}

export interface HeadSubscriptionOptions {
  log?: Logger;
  /** First reconnect delay; doubled on each failure, up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export function subscribeHeads(url: string, chainId: number, onHead: (blockNumber: number) => void, options: HeadSubscriptionOptions = {}): HeadSubscription {
  const network = Network.from(BigInt(chainId));
  const label = endpointLabel(url);
  const firstBackoff = options.backoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  let provider: WebSocketProvider | null = null;
  let open = false;
  let stopped = false;
  let backoff = firstBackoff;
  let timer: NodeJS.Timeout | null = null;

  function drop(): void {
    const current = provider;
    provider = null;
    open = false;
    if (current) void current.destroy();
  }

  function scheduleReconnect(): void {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      connect();
    }, backoff);
    timer.unref?.();
    backoff = Math.min(maxBackoff, backoff * 2);
  }

  function connect(): void {
    if (stopped) return;
    let current: WebSocketProvider;
    try {
      current = new WebSocketProvider(url, network, { staticNetwork: network });
    } catch (err) {
      options.log?.warn({ endpoint: label, err: err instanceof Error ? err.message : String(err) }, "head subscription: cannot open the socket");
      scheduleReconnect();
      return;
    }
    provider = current;
    const socket = current.websocket as unknown as {
      onerror: ((event: unknown) => void) | null;
      onclose: ((event: { code?: number }) => void) | null;
      onopen: ((event: unknown) => void) | null;
      readyState: number;
    };
    // Without a handler, a refused connection is an unhandled 'error' event that ends the process.
    socket.onerror = () => undefined;
    socket.onclose = (event) => {
      if (provider !== current) return;
      options.log?.warn({ endpoint: label, code: event?.code }, "head subscription closed: polling until it is back");
      drop();
      scheduleReconnect();
    };
    void current
      .on("block", (blockNumber: number) => {
        if (provider !== current) return;
        if (!open) {
          open = true;
          backoff = firstBackoff;
        }
        onHead(blockNumber);
      })
      .then(() => {
        if (provider === current) {
          open = socket.readyState === 1;
          if (open) backoff = firstBackoff;
        }
      })
      .catch(() => {
        if (provider !== current) return;
        drop();
        scheduleReconnect();
      });
  }

  connect();
  return {
    connected: () => open,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      drop();
    },
  };
}
