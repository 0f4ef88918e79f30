/**
 * A process that holds a PGlite data directory open, as the console or `npm start` would, for
 * the lock tests: `node --import tsx test/db/pgliteHolder.ts <dir>`.
 *
 * Prints one JSON line once the database is open and migrated, `{"pid", "accountId"}` (an account
 * it created), or `{"error", "message", "pid"}` if it could not open it (then exits 3). Then,
 * per line on standard input: `issue` issues a link code and prints `{"code"}`; `exit` exits at
 * once without closing anything. At the end of standard input it closes the database and returns,
 * with no process.exit: the process must end by itself.
 */
import { createInterface } from "node:readline";
import { issueLinkCode } from "../../src/accounts/linkCodes.ts";
import { openDatabase, type Database } from "../../src/db/index.ts";

const dir = process.argv[2];
let db: Database;
try {
  db = await openDatabase({ dataDir: dir });
} catch (err) {
  const e = err as Error & { pid?: number };
  process.stdout.write(`${JSON.stringify({ error: e.name, message: e.message, pid: e.pid })}\n`);
  process.exit(3);
}
await db.migrate();
const [account] = await db.prisma.$queryRawUnsafe<{ id: string }[]>(`INSERT INTO "accounts" ("id") VALUES (gen_random_uuid()) RETURNING "id"::text AS "id"`);
process.stdout.write(`${JSON.stringify({ pid: process.pid, accountId: account.id })}\n`);

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line === "issue") {
    const issued = await issueLinkCode(db.prisma, { accountId: account.id, ttlMinutes: 60 });
    process.stdout.write(`${JSON.stringify({ code: issued.code })}\n`);
  } else if (line === "exit") {
    process.exit(0);
  }
}
await db.close();
