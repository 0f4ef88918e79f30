import http from "node:http";
import https from "node:https";

/**
 * POSTs a JSON message to a response_url. Plain node:http with kept-alive connections rather
 * than fetch: at hundreds of commands a second, fetch's web streams cost more CPU than the
 * command itself, and that CPU is taken from the acknowledgements of the next requests.
 */
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 64 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

export async function postJson(url: string, body: unknown, timeoutMs = 10_000): Promise<void> {
  const target = new URL(url);
  const transport = target.protocol === "https:" ? https : target.protocol === "http:" ? http : null;
  if (!transport) throw new Error(`response_url with protocol ${target.protocol}`);
  const payload = Buffer.from(JSON.stringify(body));
  try {
    await send(transport, target, payload, timeoutMs);
  } catch (err) {
    // A kept-alive connection that the server closed just as we reused it fails before the
    // request was read (Node's documented keep-alive race), so the answer never arrived: it is
    // sent once more, on a new connection of its own. Anything else is not retried, since it may
    // have arrived.
    if (!(err instanceof StaleConnection)) throw err;
    await send(transport, target, payload, timeoutMs, { fresh: true });
  }
}

class StaleConnection extends Error {}

function send(transport: typeof http | typeof https, target: URL, payload: Buffer, timeoutMs: number, options: { fresh?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = transport.request(
      target,
      {
        method: "POST",
        // agent: false opens a connection for this one request, never an idle one of the pool.
        agent: options.fresh ? false : agents[target.protocol as "http:" | "https:"],
        headers: { "content-type": "application/json; charset=utf-8", "content-length": payload.length },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on("end", () => (res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`response_url answered ${res.statusCode}`))));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("response_url timed out")));
    req.on("error", (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE");
      reject(stale ? new StaleConnection(`response_url: ${err.code} on a reused connection`) : err);
    });
    req.end(payload);
  });
}
