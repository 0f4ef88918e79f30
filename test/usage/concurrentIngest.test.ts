import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/index.ts";
import { readBalances } from "../../src/ledger/postEntries.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { totalOf } from "../../src/ledger/types.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { parseUsageBatch } from "../../src/usage/usageRecord.ts";
import { onPostgres, openTestDatabase } from "../helpers/db.ts";
import { accountWith, USD, usageRecord, type RawRecord } from "./fixtures.ts";

const SCRIPT = fileURLToPath(new URL("./ingestProcess.ts", import.meta.url));

interface ChildResult {
  accepted: string[];
  duplicates: string[];
  rejected: unknown[];
}

function runChild(env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`ingest process exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(out.trim().split("\n").pop()!));
    });
  });
}

describe.skipIf(!onPostgres)("usage ingestion by two OS processes at once", () => {
  let db: Database & { url?: string };

  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it("debits every record exactly once", async () => {
    const accounts: string[] = [];
    for (let i = 0; i < 60; i++) accounts.push(await accountWith(db.prisma, { bonus: 1n * USD, principal: 100n * USD }));
    const batches: { records: RawRecord[] }[] = [];
    const costOf = new Map<string, bigint>();
    const spentBy = new Map<string, bigint>();
    for (let b = 0; b < 12; b++) {
      const records: RawRecord[] = [];
      for (let i = 0; i < 300; i++) {
        const account = accounts[(b * 7 + i) % accounts.length];
        const cost = BigInt(1000 + ((b * 300 + i) % 97) * 1013);
        const record = usageRecord(account, cost);
        records.push(record);
        costOf.set(String(record.id), cost);
        spentBy.set(account, (spentBy.get(account) ?? 0n) + cost);
      }
      batches.push({ records });
    }
    const dir = mkdtempSync(path.join(tmpdir(), "usage-race-"));
    const file = path.join(dir, "batches.json");
    writeFileSync(file, JSON.stringify(batches));

    const common = { DATABASE_URL: db.url!, BATCHES_FILE: file, START_AT: String(Date.now() + 5000), LOG_LEVEL: "silent" };
    const [forward, backward] = await Promise.all([runChild({ ...common, REVERSE: "0", DIRECT: "1" }), runChild({ ...common, REVERSE: "1", DIRECT: "0" })]).finally(() =>
      rmSync(dir, { recursive: true, force: true }),
    );

    const all = [...costOf.keys()].sort();
    expect(forward.rejected).toEqual([]);
    expect(backward.rejected).toEqual([]);
    // Each process saw every record once, either debiting it or finding it debited...
    expect([...forward.accepted, ...forward.duplicates].sort()).toEqual(all);
    expect([...backward.accepted, ...backward.duplicates].sort()).toEqual(all);
    // ...and between them each record was debited by exactly one.
    expect([...forward.accepted, ...backward.accepted].sort()).toEqual(all);
    // Both did some of the work, or the race did not happen.
    expect(forward.accepted.length).toBeGreaterThan(0);
    expect(backward.accepted.length).toBeGreaterThan(0);

    const usageRows = await db.prisma.usageRecord.count();
    const entryKeys = await db.prisma.ledgerEntry.findMany({ where: { type: "api_usage" }, select: { idempotencyKey: true } });
    const debitedRecords = new Set(entryKeys.map((e) => e.idempotencyKey.replace(/^usage:(.*)#\d+$/, "$1")));
    const debited = await db.prisma.ledgerEntry.aggregate({ where: { type: "api_usage" }, _sum: { amount: true } });
    expect(usageRows).toBe(all.length);
    expect([...debitedRecords].sort()).toEqual(all);
    expect(debited._sum.amount).toBe(-[...costOf.values()].reduce((a, b) => a + b, 0n));
    for (const account of accounts) {
      expect(totalOf(await readBalances(db.prisma, account))).toBe(101n * USD - (spentBy.get(account) ?? 0n));
    }
    expect((await reconcile(db.prisma)).mismatches).toEqual([]);
  }, 150_000);

  it("lets one of two writers win a record id sent for two different accounts, and writes nothing for the other", async () => {
    // The two batches lock different accounts, so only the unique keys stand between them.
    for (let round = 0; round < 10; round++) {
      const [a, b] = [await accountWith(db.prisma, { principal: 10n * USD }), await accountWith(db.prisma, { principal: 10n * USD })];
      const id = `contested-${round}-${Date.now()}`;
      const batchFor = (account: string) => parseUsageBatch({ records: [usageRecord(account, 1n * USD, { id }), usageRecord(account, 1000n)] }).valid;
      // Even rounds go through the driver, as the HTTP route does; odd rounds through Prisma.
      const options = round % 2 === 0 ? { driver: db.driver } : {};
      const [ra, rb] = await Promise.all([ingestUsage(db.prisma, batchFor(a), options), ingestUsage(db.prisma, batchFor(b), options)]);
      const winners = [ra, rb].filter((r) => r.accepted.includes(id));
      const losers = [ra, rb].filter((r) => r.rejected.some((x) => x.id === id && x.reason === "id_conflict"));
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      // The loser's other record still went through.
      expect(losers[0].accepted).toHaveLength(1);
      const rows = await db.prisma.usageRecord.findMany({ where: { recordId: id } });
      expect(rows).toHaveLength(1);
      const winner = rows[0].accountId;
      const loser = winner === a ? b : a;
      expect(totalOf(await readBalances(db.prisma, winner))).toBe(9n * USD - 1000n);
      expect(totalOf(await readBalances(db.prisma, loser))).toBe(10n * USD - 1000n);
    }
    expect((await reconcile(db.prisma)).mismatches).toEqual([]);
  });
});
