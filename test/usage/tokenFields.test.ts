import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebServer, type WebServer } from "../../src/http/server.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";
import { accountWith, USD, usageRecord, type RawRecord } from "./fixtures.ts";

/**
 * The usage API's optional `token` and `tokenGroup` (the API token and token group a call was
 * billed through, as the seeds' usage records show them): accepted, stored with the record, on
 * whichever write path the back end uses (the driver on PostgreSQL, Prisma on PGlite), and not
 * needed: a record without them is accepted as before.
 */
const KEY = "usage-token-test-key-5d2e";
let services: Services;
let web: WebServer;

beforeAll(async () => {
  services = await createTestServices({ env: { API_KEYS: KEY } });
  web = await startWebServer(services, 0, "127.0.0.1");
});

afterAll(async () => {
  await web?.close();
  await services?.db.close();
});

interface UsageResponse {
  accepted: string[];
  duplicates: string[];
  rejected: { index: number; id: string | null; reason: string; fields?: Record<string, string> }[];
}

async function send(records: (RawRecord & { token?: unknown; tokenGroup?: unknown })[]): Promise<{ status: number; body: UsageResponse }> {
  const response = await fetch(`${web.url}/api/v1/usage`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ records }),
  });
  return { status: response.status, body: (await response.json()) as UsageResponse };
}

const stored = (ids: string[]) =>
  services.prisma.usageRecord.findMany({ where: { recordId: { in: ids } }, select: { recordId: true, token: true, tokenGroup: true, cost: true }, orderBy: { recordId: "asc" } });

describe("usage API: token and tokenGroup", () => {
  it("stores them when sent, and null when left out or null, in one batch", async () => {
    const accountId = await accountWith(services.prisma, { principal: 50n * USD });
    const records = [
      { ...usageRecord(accountId, 1_000n), id: "tok-a", token: "prod-backend", tokenGroup: "0.3 group" },
      { ...usageRecord(accountId, 2_000n), id: "tok-b", token: "ci-runner" },
      { ...usageRecord(accountId, 3_000n), id: "tok-c" },
      { ...usageRecord(accountId, 4_000n), id: "tok-d", token: null, tokenGroup: null },
      // Free text: quotes, backslashes, commas, braces and the word NULL survive the array literal.
      { ...usageRecord(accountId, 5_000n), id: "tok-e", token: 'a "quoted", {odd}\\ name', tokenGroup: "NULL" },
      { ...usageRecord(accountId, 6_000n), id: "tok-f", token: "默认令牌", tokenGroup: "默认分组" },
    ];
    const { status, body } = await send(records);
    expect(status).toBe(200);
    expect(body.rejected).toEqual([]);
    expect(body.accepted).toEqual(records.map((r) => r.id));
    expect(await stored(records.map((r) => r.id as string))).toEqual([
      { recordId: "tok-a", token: "prod-backend", tokenGroup: "0.3 group", cost: 1_000n },
      { recordId: "tok-b", token: "ci-runner", tokenGroup: null, cost: 2_000n },
      { recordId: "tok-c", token: null, tokenGroup: null, cost: 3_000n },
      { recordId: "tok-d", token: null, tokenGroup: null, cost: 4_000n },
      { recordId: "tok-e", token: 'a "quoted", {odd}\\ name', tokenGroup: "NULL", cost: 5_000n },
      { recordId: "tok-f", token: "默认令牌", tokenGroup: "默认分组", cost: 6_000n },
    ]);
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });

  it("a batch where no record names a token, and one names a group, stores each on its own record", async () => {
    const accountId = await accountWith(services.prisma, { principal: 5n * USD });
    const records = [
      { ...usageRecord(accountId, 1_000n), id: "grp-only-a" },
      { ...usageRecord(accountId, 2_000n), id: "grp-only-b", tokenGroup: "vip" },
      { ...usageRecord(accountId, 3_000n), id: "grp-only-c" },
    ];
    expect((await send(records)).body.accepted).toEqual(["grp-only-a", "grp-only-b", "grp-only-c"]);
    expect(await stored(["grp-only-a", "grp-only-b", "grp-only-c"])).toEqual([
      { recordId: "grp-only-a", token: null, tokenGroup: null, cost: 1_000n },
      { recordId: "grp-only-b", token: null, tokenGroup: "vip", cost: 2_000n },
      { recordId: "grp-only-c", token: null, tokenGroup: null, cost: 3_000n },
    ]);
  });

  it("a record sent again with a token it lacked the first time is a duplicate, and keeps what was stored", async () => {
    const accountId = await accountWith(services.prisma, { principal: 5n * USD });
    const first = usageRecord(accountId, 7_000n, { id: "tok-again" });
    expect((await send([first])).body.accepted).toEqual(["tok-again"]);
    const again = await send([{ ...first, token: "late-token", tokenGroup: "late-group" }]);
    expect(again.body).toMatchObject({ accepted: [], duplicates: ["tok-again"], rejected: [] });
    expect(await stored(["tok-again"])).toEqual([{ recordId: "tok-again", token: null, tokenGroup: null, cost: 7_000n }]);
    expect(await services.prisma.ledgerEntry.count({ where: { reference: "tok-again" } })).toBe(1);
  });

  it("refuses a bad token or token group record by record, with the field named, and debits the rest", async () => {
    const accountId = await accountWith(services.prisma, { principal: 5n * USD });
    const before = await services.prisma.usageRecord.count();
    const { status, body } = await send([
      { ...usageRecord(accountId, 1_000n), id: "tok-bad-number", token: 42 },
      { ...usageRecord(accountId, 1_000n), id: "tok-bad-empty", tokenGroup: "" },
      { ...usageRecord(accountId, 1_000n), id: "tok-bad-long", token: "x".repeat(201) },
      { ...usageRecord(accountId, 1_000n), id: "tok-bad-control", tokenGroup: "group\u001b[2J" },
    ]);
    expect(status).toBe(200);
    expect(body.accepted).toEqual([]);
    expect(body.rejected.map((r) => [r.id, r.reason, Object.keys(r.fields ?? {})])).toEqual([
      ["tok-bad-number", "invalid_record", ["token"]],
      ["tok-bad-empty", "invalid_record", ["tokenGroup"]],
      ["tok-bad-long", "invalid_record", ["token"]],
      ["tok-bad-control", "invalid_record", ["tokenGroup"]],
    ]);
    expect(body.rejected[0].fields!.token).toBe("a string");
    expect(await services.prisma.usageRecord.count()).toBe(before);
  });
});
