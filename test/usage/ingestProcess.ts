/**
 * A separate OS process for the exactly-once test: its own pool on the same PostgreSQL, ingesting
 * the batches named in BATCHES_FILE from START_AT on (REVERSE=1 takes them backwards). Prints
 * what it accepted and what it found already debited, as one JSON line. DIRECT=1 ingests as the
 * HTTP route does on PostgreSQL (through the driver, two transactions per batch); otherwise each
 * batch is one Prisma transaction.
 */
import { readFileSync } from "node:fs";
import { openDatabase } from "../../src/db/index.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { parseUsageBatch } from "../../src/usage/usageRecord.ts";

const db = await openDatabase({ url: process.env.DATABASE_URL, poolSize: 4 });
const batches = JSON.parse(readFileSync(process.env.BATCHES_FILE!, "utf8")) as unknown[];
if (process.env.REVERSE === "1") batches.reverse();
const accepted: string[] = [];
const duplicates: string[] = [];
const rejected: unknown[] = [];
// Warm both paths up first (Prisma's first transaction loads its query engine), so that the two
// processes really start together.
await db.prisma.$transaction((tx) => tx.$queryRawUnsafe("SELECT 1"));
await db.driver.withSession((session) => session.query("SELECT 1"));
const wait = Number(process.env.START_AT) - Date.now();
if (wait > 0) await new Promise((r) => setTimeout(r, wait));
for (const batch of batches) {
  const { valid } = parseUsageBatch(batch);
  const result = await ingestUsage(db.prisma, valid, process.env.DIRECT === "1" ? { driver: db.driver, parallel: 2 } : {});
  accepted.push(...result.accepted);
  duplicates.push(...result.duplicates);
  rejected.push(...result.rejected);
}
await db.close();
process.stdout.write(JSON.stringify({ accepted, duplicates, rejected }) + "\n");
