/**
 * For the worker-thread tests: opens PGlite in memory, reads one row, prints it, and then closes
 * the database (`close`) or leaves it open (`leave`). It never calls process.exit: the process
 * must end by itself either way.
 */
import { openDatabase } from "../../src/db/index.ts";

const db = await openDatabase({ dataDir: "memory://" });
const rows = await db.driver.withSession((s) => s.query<{ n: number }>("SELECT 41 + 1 AS n"));
if (process.argv[2] === "close") await db.close();
process.stdout.write(`${rows[0].n}\n`);
