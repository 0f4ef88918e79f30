import { connect } from "node:net";
import { httpInputs, sample, type HttpInput } from "./inputs.ts";
import { EntranceStats, isInternalError } from "./oracle.ts";
import { pool } from "./pool.ts";

/**
 * The HTTP entrance: every body of the usage API (POST /api/v1/usage), link codes
 * (POST /api/v1/link-codes) and the balance (GET /api/v1/accounts/:id/balance), bad in every
 * way, with good and bad keys, plus wrong methods and paths, plus a few requests HTTP itself
 * finds malformed (sent on a raw socket). Each must get a 4xx with a JSON message, or a 200 that
 * accepted nothing.
 */
export interface HttpFuzzOptions {
  base: string;
  apiKey: string;
  count: number;
  seed: number;
  concurrency?: number;
}

export async function fuzzHttp(options: HttpFuzzOptions, stats: Record<HttpInput["kind"] | "raw", EntranceStats>): Promise<void> {
  const inputs = sample(httpInputs(options.apiKey), options.count, options.seed);
  await pool(inputs, options.concurrency ?? 8, async (input) => {
    const s = stats[input.kind];
    s.inputs += 1;
    const shown = `${input.method} ${input.path.slice(0, 200)} ${JSON.stringify(redactKey(input.headers, options.apiKey))} ${input.body === undefined ? "" : JSON.stringify(input.body.slice(0, 400))}`;
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${options.base}${input.path}`, { method: input.method, headers: input.headers, body: input.body, signal: AbortSignal.timeout(20_000) });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      // fetch itself refuses some inputs (a header value it cannot send): not an input that reached us.
      if (/header|ByteString|Invalid URL|invalid/i.test(cause) && !/socket|ECONN|closed/i.test(cause)) {
        s.inputs -= 1;
        return;
      }
      s.crash(shown, `no HTTP answer: ${cause}`);
      s.count("no answer");
      return;
    }
    s.count(String(status));
    if (status >= 500) return s.crash(shown, `HTTP ${status}: ${text.slice(0, 300)}`);
    if (isInternalError(text, input.body ?? input.path)) return s.crash(shown, `internal error in a ${status}: ${text.slice(0, 300)}`);
    if (status >= 400) {
      if (input.kind !== "other" && !/"message"/.test(text)) return s.crash(shown, `a ${status} without a message: ${text.slice(0, 200)}`);
      s.answered += 1;
      return;
    }
    // A 2xx: only what writes nothing is acceptable here.
    if (input.kind === "usage") {
      try {
        const body = JSON.parse(text) as { accepted?: unknown[]; rejected?: unknown[] };
        if (Array.isArray(body.accepted) && body.accepted.length === 0 && Array.isArray(body.rejected) && body.rejected.length > 0) {
          s.answered += 1;
          return;
        }
      } catch {
        // fall through
      }
      return s.crash(shown, `a bad usage batch was accepted: ${text.slice(0, 300)}`);
    }
    if (input.kind === "other" && input.method === "GET" && (input.path === "/healthz" || input.path === "/metrics")) {
      s.answered += 1;
      return;
    }
    s.crash(shown, `a bad request got ${status}: ${text.slice(0, 300)}`);
  });
}

function redactKey(headers: Record<string, string>, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.split(key).join("<API key>")]));
}

/** Requests HTTP/1.1 itself finds malformed, or that stop half-way, on a raw socket. */
export function rawRequests(apiKey: string): { name: string; bytes: string; endAfter?: boolean }[] {
  const head = (extra: string) => `POST /api/v1/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\n${extra}\r\n`;
  return [
    { name: "body shorter than Content-Length, then the client leaves", bytes: head("Content-Length: 100\r\n") + '{"records":[', endAfter: true },
    { name: "bad chunked encoding", bytes: head("Transfer-Encoding: chunked\r\n") + "zz\r\nnot a chunk\r\n0\r\n\r\n" },
    { name: "chunked body cut short", bytes: head("Transfer-Encoding: chunked\r\n") + "10\r\n{\"records\"", endAfter: true },
    { name: "Content-Length and Transfer-Encoding together", bytes: head("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") + "0\r\n\r\n" },
    { name: "negative Content-Length", bytes: head("Content-Length: -1\r\n") + "{}" },
    { name: "two Content-Lengths", bytes: head("Content-Length: 2\r\nContent-Length: 3\r\n") + "{}" },
    { name: "a header of 80 kB", bytes: head(`X-Big: ${"a".repeat(80_000)}\r\nContent-Length: 2\r\n`) + "{}" },
    { name: "not HTTP at all", bytes: "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003 TLS hello to a plain port\r\n\r\n" },
    { name: "request line of garbage", bytes: "GARBAGE / NOTHTTP\r\n\r\n" },
    { name: "HTTP/0.9", bytes: "GET /healthz\r\n\r\n" },
    { name: "header without a colon", bytes: "GET /healthz HTTP/1.1\r\nHost x\r\n\r\n" },
    { name: "NUL in the path", bytes: "GET /api/v1/accounts/\u0000/balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + apiKey + "\r\n\r\n" },
    { name: "absolute URI of another host", bytes: `GET http://evil.example/api/v1/accounts/00000000-0000-4000-8000-000000000000/balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${apiKey}\r\n\r\n` },
    { name: "the client leaves before the body", bytes: head("Content-Length: 50\r\n"), endAfter: true },
    { name: "expect 100-continue, then nothing", bytes: head("Content-Length: 20\r\nExpect: 100-continue\r\n"), endAfter: true },
  ];
}

export async function fuzzRawHttp(base: string, apiKey: string, stats: EntranceStats): Promise<void> {
  const { hostname, port } = new URL(base);
  for (const req of rawRequests(apiKey)) {
    stats.inputs += 1;
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), hostname);
      let data = "";
      const done = () => resolve(data);
      socket.setTimeout(3000, () => socket.destroy());
      socket.on("data", (d) => (data += d.toString("latin1")));
      socket.on("close", done);
      socket.on("error", () => undefined);
      socket.write(req.bytes, "latin1", () => {
        if (req.endAfter) setTimeout(() => socket.destroy(), 50);
      });
    });
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
    stats.count(status ? String(status) : "closed");
    if (status >= 500) stats.crash(req.name, `HTTP ${status}: ${answer.slice(0, 300)}`);
    else if (isInternalError(answer)) stats.crash(req.name, `internal error: ${answer.slice(0, 300)}`);
    else stats.answered += 1;
  }
}
