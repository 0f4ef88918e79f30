import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postJson } from "../../src/platforms/slack/responseUrl.ts";

/**
 * response_url answers go over kept-alive connections. A server may close an idle one just as it
 * is reused; the request then fails before it was read, and the answer must still arrive.
 */
let server: http.Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** A response_url stand-in that drops the connection, unanswered, on the requests `drop` names (counted per connection). */
async function standIn(drop: (requestOnSocket: number) => boolean): Promise<{ url: string; delivered: unknown[]; attempts: () => number }> {
  const delivered: unknown[] = [];
  const perSocket = new WeakMap<Socket, number>();
  let attempts = 0;
  server = http.createServer((req, res) => {
    attempts++;
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (drop(n)) {
        // As if the server had closed the idle connection: no answer, the socket goes.
        req.socket.destroy();
        return;
      }
      delivered.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/T1/B1/x`, delivered, attempts: () => attempts };
}

describe("postJson (response_url)", () => {
  it("an answer whose kept-alive connection was closed under it is sent again on a fresh one, and arrives once", async () => {
    const target = await standIn((n) => n === 2);
    await postJson(target.url, { text: "first" });
    // The second answer reuses the first one's connection, which the server drops.
    await postJson(target.url, { text: "second" });
    expect(target.delivered).toEqual([{ text: "first" }, { text: "second" }]);
    expect(target.attempts()).toBe(3);
  });

  it("a failure on a fresh connection is not retried (the answer may have arrived): it is reported to the caller", async () => {
    const target = await standIn(() => true);
    await expect(postJson(target.url, { text: "only" })).rejects.toThrow();
    expect(target.attempts()).toBe(1);
    expect(target.delivered).toEqual([]);
  });
});
