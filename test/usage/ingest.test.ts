import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebServer, type WebServer } from "../../src/http/server.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { readBalances } from "../../src/ledger/postEntries.ts";
import { totalOf } from "../../src/ledger/types.ts";
import type { Services } from "../../src/services.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { parseUsageBatch } from "../../src/usage/usageRecord.ts";
import { createTestServices } from "../helpers/services.ts";
import { accountWith, USD, usageRecord, type RawRecord } from "./fixtures.ts";

const KEY = "usage-test-key-7f3a9c";

let services: Services;
let web: WebServer;

beforeAll(async () => {
  services = await createTestServices({ env: { API_KEYS: `another-key-1234,${KEY}` } });
  web = await startWebServer(services, 0, "127.0.0.1");
});

afterAll(async () => {
  await web?.close();
  await services?.db.close();
});

interface UsageResponse {
  accepted: string[];
  duplicates: string[];
  rejected: { index: number; id: string | null; reason: string; message: string; fields?: Record<string, string> }[];
  counts: { accepted: number; duplicates: number; rejected: number };
}

async function send(body: unknown, key: string | null = KEY): Promise<{ status: number; json: UsageResponse & { error?: string; message?: string } }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`http://127.0.0.1:${web.port}/api/v1/usage`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as UsageResponse & { error?: string; message?: string } };
}

async function written(accountId: string) {
  const [usage, entries, postings] = await Promise.all([
    services.prisma.usageRecord.count({ where: { accountId } }),
    services.prisma.ledgerEntry.findMany({ where: { accountId, type: "api_usage" }, orderBy: { id: "asc" } }),
    // A batch is one posting; each record's exactly-once keys are its usage row and its entries.
    services.prisma.posting.count({ where: { idempotencyKey: { startsWith: "usage-batch:" }, entries: { some: { accountId } } } }),
  ]);
  return { usage, entries, postings, balance: totalOf(await readBalances(services.prisma, accountId)) };
}

describe("POST /api/v1/usage", () => {
  it("debits a batch once however often it is sent, in the spending order", async () => {
    const account = await accountWith(services.prisma, { trial: 1n * USD, bonus: 2n * USD, principal: 10n * USD });
    const records = [usageRecord(account, 500_000n), usageRecord(account, 1_000_000n), usageRecord(account, 2_000_000n)];

    const first = await send({ records });
    expect(first.status).toBe(200);
    expect(first.json.accepted).toEqual(records.map((r) => r.id));
    expect(first.json.duplicates).toEqual([]);
    expect(first.json.rejected).toEqual([]);

    const second = await send({ records });
    expect(second.status).toBe(200);
    expect(second.json.accepted).toEqual([]);
    expect(second.json.duplicates).toEqual(records.map((r) => r.id));

    const after = await written(account);
    expect(after.usage).toBe(3);
    // One posting for the batch; sending it again wrote none.
    expect(after.postings).toBe(1);
    expect(after.entries.map((e) => e.idempotencyKey)).toEqual([
      `usage:${records[0].id}#0`,
      `usage:${records[1].id}#0`,
      `usage:${records[1].id}#1`,
      `usage:${records[2].id}#0`,
      `usage:${records[2].id}#1`,
    ]);
    expect(after.balance).toBe(13n * USD - 3_500_000n);
    // trial → promo → bonus → principal: 0.5 from trial; 0.5 trial + 0.5 bonus; 1.5 bonus + 0.5 principal.
    expect(after.entries.map((e) => [e.bucket, e.amount])).toEqual([
      ["trial", -500_000n],
      ["trial", -500_000n],
      ["bonus", -500_000n],
      ["bonus", -1_500_000n],
      ["principal", -500_000n],
    ]);
    expect(after.entries.map((e) => e.balanceAfter)).toEqual([12_500_000n, 12_000_000n, 11_500_000n, 10_000_000n, 9_500_000n]);
    expect(await readBalances(services.prisma, account)).toEqual({ trial: 0n, promo: 0n, bonus: 0n, principal: 9_500_000n });
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });

  it("takes usage below zero, on the last bucket, because the calls already happened", async () => {
    const account = await accountWith(services.prisma, { principal: 1n * USD });
    const res = await send({ records: [usageRecord(account, 3n * USD)] });
    expect(res.json.counts.accepted).toBe(1);
    expect(await readBalances(services.prisma, account)).toEqual({ trial: 0n, promo: 0n, bonus: 0n, principal: -2n * USD });
  });

  it("records a zero-cost call without a ledger entry, once", async () => {
    const account = await accountWith(services.prisma, { principal: 1n * USD });
    const record = usageRecord(account, "0", { calls: 1 });
    expect((await send({ records: [record] })).json.accepted).toEqual([record.id]);
    expect((await send({ records: [record] })).json.duplicates).toEqual([record.id]);
    const after = await written(account);
    expect(after).toMatchObject({ usage: 1, postings: 0, balance: 1n * USD });
    expect(after.entries).toEqual([]);
  });

  it("rejects bad records one by one, writes nothing for them, and still debits the good ones", async () => {
    const account = await accountWith(services.prisma, { principal: 5n * USD });
    const good = usageRecord(account, 250_000n);
    const { id: _dropped, ...noId } = usageRecord(account, 100n);
    const bad: RawRecord[] = [
      usageRecord(account, "-100"),
      usageRecord("00000000-0000-4000-8000-000000000000", 100n),
      usageRecord(account, "1.5"),
      noId,
      usageRecord(account, 1500 as unknown as string),
      usageRecord(account, 100n, { time: "yesterday" }),
      "not an object" as unknown as RawRecord,
      usageRecord(account, 100n, { model: "gpt\u0000" }),
    ];
    const res = await send({ records: [bad[0], good, ...bad.slice(1)] });
    expect(res.status).toBe(200);
    expect(res.json.accepted).toEqual([good.id]);
    const reasons = res.json.rejected.map((r) => [r.index, r.reason]);
    expect(reasons).toEqual([
      [0, "invalid_record"],
      [2, "unknown_account"],
      [3, "invalid_record"],
      [4, "invalid_record"],
      [5, "invalid_record"],
      [6, "invalid_record"],
      [7, "invalid_record"],
      [8, "invalid_record"],
    ]);
    expect(res.json.rejected[7].fields).toEqual({ model: "no control characters or bidirectional overrides (found U+0000)" });
    expect(res.json.rejected[0].fields).toHaveProperty("cost");
    expect(res.json.rejected[2].fields).toHaveProperty("cost");
    expect(res.json.rejected[3].fields).toEqual({ id: "required" });
    expect(res.json.rejected[3].id).toBeNull();
    expect(res.json.rejected[5].fields).toHaveProperty("time");

    const after = await written(account);
    expect(after).toMatchObject({ usage: 1, postings: 1, balance: 5n * USD - 250_000n });
    const stray = await services.prisma.usageRecord.count({ where: { recordId: { in: bad.map((r) => String(r.id)) } } });
    expect(stray).toBe(0);
  });

  it("refuses a record id reused for a different charge, and repeats inside one batch", async () => {
    const account = await accountWith(services.prisma, { principal: 5n * USD });
    const record = usageRecord(account, 100_000n);
    const res = await send({ records: [record, { ...record }, { ...record, cost: "999" }] });
    expect(res.json.accepted).toEqual([record.id]);
    expect(res.json.duplicates).toEqual([record.id]);
    expect(res.json.rejected.map((r) => [r.index, r.reason])).toEqual([[2, "id_conflict"]]);

    const later = await send({ records: [{ ...record, cost: "200000" }] });
    expect(later.json.rejected.map((r) => r.reason)).toEqual(["id_conflict"]);
    expect((await written(account)).balance).toBe(5n * USD - 100_000n);
  });

  it("refuses the whole request with 400 for a body that is not JSON, not a batch, or over 1,000 records", async () => {
    const account = await accountWith(services.prisma, { principal: 5n * USD });
    const tooMany = Array.from({ length: 1001 }, () => usageRecord(account, 1n));
    for (const body of ["{not json", "", "[]", JSON.stringify({ records: "x" }), JSON.stringify({ records: [] }), { records: tooMany }]) {
      const res = await send(body);
      expect(res.status, String(typeof body === "string" ? body : "1001 records")).toBe(400);
      expect(res.json.error).toMatch(/invalid_json|invalid_batch/);
    }
    const after = await written(account);
    expect(after).toMatchObject({ usage: 0, postings: 0, balance: 5n * USD });
  });

  it("answers 401 for a wrong or missing key, and writes nothing", async () => {
    const account = await accountWith(services.prisma, { principal: 5n * USD });
    const records = [usageRecord(account, 100n)];
    for (const key of [null, "wrong-key", `${KEY}x`, KEY.slice(0, -1), ""]) {
      const res = await send({ records }, key);
      expect(res.status, `key ${JSON.stringify(key)}`).toBe(401);
      expect(res.json.error).toBe("unauthorized");
    }
    expect((await written(account)).usage).toBe(0);
  });

  it("refuses a body over the size limit with 413", async () => {
    const res = await fetch(`http://127.0.0.1:${web.port}/api/v1/usage`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ records: [], pad: "x".repeat(3 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
  });
});

describe("ingestUsage", () => {
  it("stores ids, models and endpoints exactly as sent, whatever printable characters they hold", async () => {
    const account = await accountWith(services.prisma, { principal: 5n * USD });
    const awkward = ['NULL', 'a"b', "back\\slash\\", "comma,{brace}", "  spaced  ", "ünï 名前 🚀", "'quote'", "semi;colon = $1 %s \\x1b"];
    const raw = awkward.map((text, i) => usageRecord(account, BigInt(1000 + i), { id: `${text}-${i}`, model: text, endpoint: `/v1/${text}` }));
    const { valid } = parseUsageBatch({ records: raw });
    expect(valid).toHaveLength(awkward.length);
    const first = await ingestUsage(services.prisma, valid);
    expect(first.accepted).toEqual(raw.map((r) => r.id));

    const rows = await services.prisma.usageRecord.findMany({ where: { accountId: account }, orderBy: { cost: "asc" } });
    expect(rows.map((r) => [r.recordId, r.model, r.endpoint])).toEqual(awkward.map((text, i) => [`${text}-${i}`, text, `/v1/${text}`]));
    const entries = await services.prisma.ledgerEntry.findMany({ where: { accountId: account, type: "api_usage" }, orderBy: { id: "asc" } });
    expect(entries.map((e) => [e.reference, e.memo, e.idempotencyKey])).toEqual(
      awkward.map((text, i) => [`${text}-${i}`, `${text} /v1/${text}`, `usage:${text}-${i}#0`]),
    );
    // Read back the same way, they are recognised as the same records.
    const again = await ingestUsage(services.prisma, valid);
    expect(again.duplicates).toEqual(raw.map((r) => r.id));
    expect(totalOf(await readBalances(services.prisma, account))).toBe(5n * USD - awkward.reduce((sum, _t, i) => sum + BigInt(1000 + i), 0n));
  });

  it("follows the spending order it is given", async () => {
    const account = await accountWith(services.prisma, { trial: 1n * USD, principal: 10n * USD });
    const { valid } = parseUsageBatch({ records: [usageRecord(account, 2n * USD)] });
    const result = await ingestUsage(services.prisma, valid, { spendingOrder: ["principal", "trial"] });
    expect(result.accepted).toHaveLength(1);
    expect(await readBalances(services.prisma, account)).toEqual({ trial: 1n * USD, promo: 0n, bonus: 0n, principal: 8n * USD });
  });
});
