import http from "node:http";
import type net from "node:net";

/**
 * A JSON-RPC endpoint on 127.0.0.1 in front of anvil that lies, each instance in one way:
 *   wrong-chain   eth_chainId says chain 1 (everything else is the real chain's)
 *   http-500      every request answers HTTP 500
 *   timeout       every request is held past the client's timeout
 *   garbage       HTTP 200 with a body that is not JSON-RPC (or a JSON-RPC error)
 *   flip-receipt  a transaction's receipt is there, then not, then there… (per call)
 *   flip-status   a transaction's receipt says success, then failure, then success…
 *   flip-block    a transaction's receipt names its block, then another block hash…
 *   chaos         every call a lie that fits it, picked at random (only eth_chainId is
 *                 answered truthfully, half the time, so that the other calls are made at all)
 *   honest        forwards everything (the control: the same payments are credited)
 * It counts calls by method, and how many answers it falsified.
 */
export type Lie = "wrong-chain" | "http-500" | "timeout" | "garbage" | "flip-receipt" | "flip-status" | "flip-block" | "chaos" | "honest";

export interface LyingRpc {
  url: string;
  lie: Lie;
  calls: number;
  lies: number;
  close(): Promise<void>;
}

const HELD_MS = 2500;

export async function startLyingRpc(target: string, lie: Lie): Promise<LyingRpc> {
  const sockets = new Set<net.Socket>();
  const receiptCalls = new Map<string, number>();
  const state = { calls: 0, lies: 0 };
  let closing = false;

  const forward = async (raw: string): Promise<{ status: number; body: string }> => {
    const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: raw });
    return { status: upstream.status, body: await upstream.text() };
  };

  const pick = (method: string | undefined): Exclude<Lie, "chaos"> => {
    const any = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)];
    if (method === "eth_chainId") return any(["honest", "honest", "honest", "wrong-chain", "http-500", "garbage"] as const);
    if (method === "eth_getTransactionReceipt") return any(["always-flip-receipt", "always-flip-status", "always-flip-block", "http-500", "garbage"] as const) as never;
    return any(["http-500", "http-500", "garbage", "garbage", "timeout"] as const);
  };

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let call: { id?: unknown; method?: string; params?: unknown[] };
    try {
      call = JSON.parse(raw);
    } catch {
      res.writeHead(400).end();
      return;
    }
    state.calls += 1;
    const reply = (status: number, body: string) => {
      if (!res.headersSent && !closing) res.writeHead(status, { "content-type": "application/json" }).end(body);
    };
    const json = (result: unknown) => JSON.stringify({ jsonrpc: "2.0", id: call.id, result });
    const mode: string = lie === "chaos" ? pick(call.method) : lie;
    try {
      switch (mode) {
        case "http-500":
          state.lies += 1;
          return reply(500, "Internal Server Error");
        case "timeout":
          state.lies += 1;
          await new Promise((r) => setTimeout(r, HELD_MS));
          return reply(504, "Gateway Timeout");
        case "garbage": {
          state.lies += 1;
          const garbage = [
            "<html><body>502 Bad Gateway</body></html>",
            JSON.stringify({ jsonrpc: "2.0", id: call.id, error: { code: -32603, message: "internal error" } }),
            JSON.stringify({ jsonrpc: "2.0", id: 999999, result: "0x1" }),
            "",
            "{\"jsonrpc\":\"2.0\",",
          ];
          return reply(200, garbage[state.calls % garbage.length]);
        }
        case "wrong-chain":
          if (call.method === "eth_chainId") {
            state.lies += 1;
            return reply(200, json("0x1"));
          }
          break;
        case "flip-receipt":
        case "flip-status":
        case "flip-block":
        case "always-flip-receipt":
        case "always-flip-status":
        case "always-flip-block": {
          if (call.method !== "eth_getTransactionReceipt") break;
          const hash = String(call.params?.[0] ?? "").toLowerCase();
          const n = (receiptCalls.get(hash) ?? 0) + 1;
          receiptCalls.set(hash, n);
          const real = await forward(raw);
          if (n % 2 === 1 && !mode.startsWith("always-")) return reply(real.status, real.body);
          const parsed = JSON.parse(real.body) as { result: Record<string, unknown> | null };
          if (!parsed.result) return reply(real.status, real.body);
          state.lies += 1;
          if (mode.endsWith("flip-receipt")) return reply(200, json(null));
          if (mode.endsWith("flip-status")) return reply(200, json({ ...parsed.result, status: parsed.result.status === "0x1" ? "0x0" : "0x1" }));
          const other = "0x" + "ab".repeat(32);
          const logs = (parsed.result.logs as Record<string, unknown>[] | undefined)?.map((l) => ({ ...l, blockHash: other }));
          return reply(200, json({ ...parsed.result, blockHash: other, logs }));
        }
      }
      const real = await forward(raw);
      reply(real.status, real.body);
    } catch {
      reply(502, "Bad Gateway");
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
    lie,
    get calls() {
      return state.calls;
    },
    get lies() {
      return state.lies;
    },
    async close() {
      closing = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
