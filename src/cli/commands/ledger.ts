import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { parseArgs } from "node:util";
import { EXIT_OK, UsageError, writeAll, type CliSubcommand, type Output } from "../context.ts";
import { printable } from "../../lib/printable.ts";
import { ProgressBar } from "../progress.ts";

const COLUMNS = [
  "id",
  "created_at",
  "posting_id",
  "account_id",
  "type",
  "bucket",
  "amount_micros",
  "amount_usd",
  "balance_after_micros",
  "bucket_balance_after_micros",
  "actor_type",
  "actor_id",
  "reference",
  "memo",
  "idempotency_key",
] as const;

/** Text columns a person or a chat user may have typed: guarded against spreadsheet formulas. */
const FREE_TEXT = new Set(["actor_id", "reference", "memo", "idempotency_key"]);

interface ExportRow extends Record<string, unknown> {
  id: string;
  created_at: string;
  posting_id: string;
  account_id: string;
  type: string;
  bucket: string;
  amount_micros: string;
  balance_after_micros: string;
  bucket_balance_after_micros: string;
  actor_type: string;
  actor_id: string | null;
  reference: string | null;
  memo: string | null;
  idempotency_key: string;
}

// ORDER BY and WHERE name the table's column: a bare "id" would sort by the text alias below.
// Amounts are cast to text in SQL: node-postgres and PGlite disagree on how int8 arrives, and a
// CSV wants the exact digits anyway.
const PAGE_SQL = `
  SELECT "id"::text AS id,
         to_char("createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
         "postingId"::text AS posting_id, "accountId"::text AS account_id, "type", "bucket",
         "amount"::text AS amount_micros, "balanceAfter"::text AS balance_after_micros,
         "bucketBalanceAfter"::text AS bucket_balance_after_micros,
         "actorType" AS actor_type, "actorId" AS actor_id, "reference", "memo", "idempotencyKey" AS idempotency_key
  FROM "ledger_entries"
  WHERE "ledger_entries"."id" > $1::bigint AND "ledger_entries"."id" <= $2::bigint
  ORDER BY "ledger_entries"."id"
  LIMIT $3`;

export function csvField(value: string | null, freeText = false): string {
  if (value === null) return "";
  // A CSV on stdout reaches a terminal as often as a spreadsheet: control characters are escaped
  // (see printable); a line feed stays, inside a quoted field.
  let text = printable(value, { keepNewlines: true });
  // A cell starting with = + - @ is run as a formula by spreadsheet programs (CSV injection).
  if (freeText && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** "-12.500000": plain digits, no thousands separator, so spreadsheets read it as a number. */
export function plainUsd(micros: string): string {
  const negative = micros.startsWith("-");
  const digits = (negative ? micros.slice(1) : micros).padStart(7, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -6)}.${digits.slice(-6)}`;
}

function csvLine(row: ExportRow): string {
  const values: Record<(typeof COLUMNS)[number], string | null> = { ...row, amount_usd: plainUsd(row.amount_micros) };
  return COLUMNS.map((c) => csvField(values[c], FREE_TEXT.has(c))).join(",") + "\n";
}

export const ledgerCommand: CliSubcommand = {
  name: "ledger",
  usage:
    "ledger export --format csv [--out FILE] [--batch N]\n" +
    "                                 stream every ledger entry as CSV (stdout by default), oldest first",
  async run(argv, ctx) {
    const [action, ...rest] = argv;
    if (action !== "export") throw new UsageError(action ? `unknown ledger action "${action}"` : "ledger needs an action: export");
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: { format: { type: "string" }, out: { type: "string" }, batch: { type: "string" } },
        allowPositionals: false,
        strict: true,
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { format, out, batch } = parsed.values;
    if (format !== "csv") throw new UsageError(format ? `unsupported format "${format}" (only csv)` : "--format csv is required");
    const batchSize = batch === undefined ? 1000 : Number(batch);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new UsageError("--batch is a whole number from 1 to 100000");

    const db = await ctx.database();
    const target = out ? createWriteStream(`${out}.partial`) : undefined;
    let targetError: Error | undefined;
    target?.on("error", (err) => (targetError = err));
    // An unwritable path fails here, before the database is asked for anything.
    if (target) await once(target, "ready");
    const sink: Output = target ?? ctx.stdout;
    try {
      const count = await db.driver.withSession(async (session) => {
        // One snapshot for the whole export: entries committed meanwhile neither appear half-way
        // nor shift the pages. Keyset pagination keeps one page in memory at a time.
        await session.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        try {
          const [{ total, max_id }] = await session.query<{ total: string; max_id: string }>(
            `SELECT COUNT(*)::text AS total, COALESCE(MAX("id"), 0)::text AS max_id FROM "ledger_entries"`,
          );
          const progress = new ProgressBar(ctx.stderr, Number(total), "export");
          await writeAll(sink, COLUMNS.join(",") + "\n");
          let after = "0";
          let written = 0;
          for (;;) {
            const rows = await session.query<ExportRow>(PAGE_SQL, [after, max_id, batchSize]);
            if (rows.length === 0) break;
            if (targetError) throw targetError;
            await writeAll(sink, rows.map(csvLine).join(""));
            after = rows[rows.length - 1].id;
            written += rows.length;
            progress.advance(rows.length);
            if (rows.length < batchSize) break;
          }
          progress.finish();
          if (targetError) throw targetError;
          return written;
        } finally {
          await session.exec("COMMIT").catch(() => undefined);
        }
      });
      if (target && out) {
        await new Promise<void>((resolve, reject) => target.end((err?: Error | null) => (err ? reject(err) : resolve())));
        await rename(`${out}.partial`, out);
        ctx.stderr.write(`exported ${count} entries to ${printable(out)}\n`);
      }
      return EXIT_OK;
    } catch (err) {
      if (target && out) {
        target.destroy();
        await rm(`${out}.partial`, { force: true });
      }
      throw err;
    }
  },
};
