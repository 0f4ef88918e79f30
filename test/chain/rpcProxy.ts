import http from "node:http";
import type net from "node:net";

/**
 * A JSON-RPC proxy on 127.0.0.1 in front of anvil. It counts every call by method (batches
 * included) so a test can prove how many calls a verification costs, and it can misbehave the
 * ways public RPC endpoints do: answer HTTP 429, stall past a timeout, or claim another chain id.
 */
export interface RpcProxy {
  readonly url: string;
  /** Calls seen, in order (one entry per JSON-RPC call). */
  readonly calls: string[];
  count(method?: string): number;
  reset(): void;
  /** Answer the next n requests with HTTP 429 (and this Retry-After, in seconds, if given). */
  throttleNext(n: number, retryAfterSeconds?: number): void;
  /** Hold every request this long before forwarding it (0 to stop). */
  setDelay(ms: number): void;
  /** Answer eth_chainId with this id instead of the node's (null to stop lying). */
  lieAboutChainId(chainId: number | null): void;
  /** Run this before forwarding each call (to change the chain at an exact moment); null to stop. */
  onCall(hook: ((method: string, params: unknown[]) => Promise<void>) | null): void;
  close(): Promise<void>;
}

export async function startRpcProxy(target: string): Promise<RpcProxy> {
  const calls: string[] = [];
  let throttle = 0;
  let retryAfter: number | undefined;
  let delay = 0;
  let fakeChainId: number | null = null;
  let hook: ((method: string, params: unknown[]) => Promise<void>) | null = null;
  const sockets = new Set<net.Socket>();

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    type Call = { method?: string; id?: unknown; params?: unknown[] };
    let payload: Call | Call[];
    try {
      payload = JSON.parse(raw);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const list = Array.isArray(payload) ? payload : [payload];
    for (const p of list) calls.push(String(p.method));
    if (throttle > 0) {
      throttle -= 1;
      res.writeHead(429, retryAfter === undefined ? {} : { "retry-after": String(retryAfter) }).end("Too Many Requests");
      return;
    }
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (hook) for (const p of list) await hook(String(p.method), p.params ?? []);
    if (fakeChainId !== null && !Array.isArray(payload) && payload.method === "eth_chainId") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: payload.id, result: "0x" + fakeChainId.toString(16) }));
      return;
    }
    try {
      const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: raw });
      const body = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, { "content-type": "application/json" }).end(body);
    } catch {
      // The node behind is down: behave like a dead upstream behind a load balancer.
      res.writeHead(502).end("Bad Gateway");
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    count: (method) => (method ? calls.filter((c) => c === method).length : calls.length),
    reset: () => {
      calls.length = 0;
    },
    throttleNext(n, seconds) {
      throttle = n;
      retryAfter = seconds;
    },
    setDelay(ms) {
      delay = ms;
    },
    lieAboutChainId(chainId) {
      fakeChainId = chainId;
    },
    onCall(next) {
      hook = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
