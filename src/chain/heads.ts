import WebSocket from "ws";
import type { Logger } from "../log.ts";
import { endpointLabel } from "./rpc.ts";

/**
 * New heads over a WebSocket (JSON-RPC `eth_subscribe` "newHeads"), so the watcher works per block
 * instead of per poll. Only heads travel over the socket: requests stay on the network's HTTP
 * endpoints, whose timeouts, limits and chain-id check hold.
 *
 * This speaks the subscription itself rather than through ethers' WebSocketProvider, which was
 * tried first: it never reconnects a closed socket, a request in flight when the socket dies is
 * never answered, and destroying it while its subscribe request is pending rejects a promise
 * nobody can catch, which would end the worker. Here a dropped socket is opened again with
 * backoff, and while it is down the watcher's polling carries on alone.
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
  /** A socket that shows no sign of life for this long is closed and opened again. */
  idleTimeoutMs?: number;
}

export function subscribeHeads(url: string, onHead: (blockNumber: number) => void, options: HeadSubscriptionOptions = {}): HeadSubscription {
  const label = endpointLabel(url);
  const firstBackoff = options.backoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const idleTimeout = options.idleTimeoutMs ?? 120_000;
  let socket: WebSocket | null = null;
  let subscribed = false;
  let stopped = false;
  let backoff = firstBackoff;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let idleTimer: NodeJS.Timeout | null = null;

  function scheduleReconnect(): void {
    if (stopped || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connect();
    }, backoff);
    reconnectTimer.unref?.();
    backoff = Math.min(maxBackoff, backoff * 2);
  }

  function alive(current: WebSocket): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      options.log?.warn({ endpoint: label }, "head subscription silent: opening it again");
      current.terminate();
    }, idleTimeout);
    idleTimer.unref?.();
  }

  function connect(): void {
    if (stopped) return;
    const current = new WebSocket(url, { handshakeTimeout: 10_000 });
    socket = current;
    current.on("error", () => undefined);
    current.on("open", () => {
      alive(current);
      current.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] }));
    });
    current.on("message", (data) => {
      alive(current);
      let message: { id?: number; result?: unknown; error?: { message?: string }; method?: string; params?: { result?: { number?: string } } };
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (message.id === 1) {
        if (message.error || typeof message.result !== "string") {
          options.log?.warn({ endpoint: label, error: message.error?.message }, "head subscription refused by the node");
          current.terminate();
          return;
        }
        subscribed = true;
        backoff = firstBackoff;
        return;
      }
      const number = message.method === "eth_subscription" ? message.params?.result?.number : undefined;
      if (typeof number === "string" && /^0x[0-9a-f]+$/i.test(number)) onHead(Number(BigInt(number)));
    });
    current.on("close", (code) => {
      if (socket !== current) return;
      socket = null;
      if (subscribed) options.log?.warn({ endpoint: label, code }, "head subscription closed: polling until it is back");
      subscribed = false;
      if (idleTimer) clearTimeout(idleTimer);
      scheduleReconnect();
    });
  }

  connect();
  return {
    connected: () => subscribed,
    stop() {
      stopped = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (idleTimer) clearTimeout(idleTimer);
      reconnectTimer = null;
      const current = socket;
      socket = null;
      subscribed = false;
      current?.terminate();
    },
  };
}
