import { connect } from "node:net";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebServer, type WebServer } from "../../src/http/server.ts";
import { createLogger } from "../../src/log.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";

const KEY = "abort-test-key-0123456789";

/**
 * A client that leaves in the middle of its request body is not our failure: it is logged at debug,
 * without a trace id, and nothing is written (found by the reliability run, which saw it logged
 * at level error as "HTTP handler failed").
 */
describe("a client that leaves mid-body", () => {
  let services: Services;
  let web: WebServer;
  const lines: { level: number; msg: string }[] = [];
  beforeAll(async () => {
    services = await createTestServices({ env: { API_KEYS: KEY } });
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    services.log = createLogger({ level: "debug", destination: sink });
    web = await startWebServer(services, 0, "127.0.0.1");
  });
  afterAll(async () => {
    await web?.close();
    await services?.db.close();
  });

  it("is logged at debug, not as an error, and writes no usage", async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(web.port, "127.0.0.1", () => {
        socket.write(`POST /api/v1/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"records":[`);
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on("close", () => resolve());
      socket.on("error", () => undefined);
    });
    // The server notices the reset on its own schedule: wait (bounded) for its line.
    for (let i = 0; i < 40 && !lines.some((l) => /client left/.test(l.msg)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.some((l) => l.level === 20 && /client left before its request body ended/.test(l.msg))).toBe(true);
    expect(await services.prisma.usageRecord.count()).toBe(0);
  });
});
