import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { batchNo } from "../../codes/batch.ts";
import { creationKey } from "../../codes/codeHash.ts";
import { createCodeBatch } from "../../codes/createCodeBatch.ts";
import { disableCodeBatch } from "../../codes/disableCodeBatch.ts";
import { findCodeBatch } from "../../codes/findCodeBatch.ts";
import { listCodeBatches, type CodeBatchUsage } from "../../codes/listCodeBatches.ts";
import { parseBatchSpec } from "../../codes/parseBatchSpec.ts";
import { isUserError } from "../../errors.ts";
import { translate, translator } from "../../i18n.ts";
import { formatUsd } from "../../ledger/money.ts";
import { codesCsv } from "../../views/codesCsv.ts";
import { batchStatusText, eligibilityText } from "../../views/codesView.ts";
import { EXIT_OK, UsageError, writeAll, type CliContext, type CliSubcommand } from "../context.ts";
import { printable } from "../../lib/printable.ts";

/**
 * `credit-desk codes create|list|show|disable`: batches of redemption codes, as support makes them
 * in chat with `codes`. The codes exist in clear only in what `create` writes (the CSV), written
 * before the batch commits: a batch is never stored whose codes nobody received.
 */
export const codesCommand: CliSubcommand = {
  name: "codes",
  usage:
    "codes create --amount USD --count N [--expires 30d|12h|YYYY-MM-DD] [--uses N] [--eligible new|any|ID,…] [--note TEXT] [--out FILE]\n" +
    "                                 make a batch of redemption codes; their CSV goes to FILE (made, never overwritten) or stdout\n" +
    "codes list [--limit N]\n" +
    "                                 the newest batches with their usage\n" +
    "codes show <RC-…>, codes disable <RC-…>\n" +
    "                                 one batch's usage; disable a batch (its codes stop working, what was redeemed stays)",
  async run(argv, ctx) {
    const [action, ...rest] = argv;
    if (action === "create") return create(rest, ctx);
    if (action === "list") return list(rest, ctx);
    if (action === "show" || action === "disable") {
      if (rest.length !== 1) throw new UsageError(`codes ${action} takes one batch no., such as RC-000012`);
      const { prisma } = await ctx.database();
      if (action === "disable") await disableCodeBatch(prisma, { ref: rest[0], by: { type: "system", id: operator() }, now: new Date() });
      const usage = await findCodeBatch(prisma, rest[0]);
      await writeAll(ctx.stdout, describe(usage, new Date()));
      return EXIT_OK;
    }
    throw new UsageError(action ? `unknown codes action "${action}"` : "codes needs an action: create, list, show or disable");
  },
};

/** The operator, as the audit log names them: the login of whoever ran the command, when known. */
function operator(): string {
  try {
    return `operator:${userInfo().username}`;
  } catch {
    return "operator";
  }
}

function options(argv: string[], spec: Record<string, { type: "string" }>) {
  try {
    return parseArgs({ args: argv, options: spec, allowPositionals: false, strict: true }).values as Record<string, string | undefined>;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function create(argv: string[], ctx: CliContext): Promise<number> {
  const values = options(argv, {
    amount: { type: "string" },
    count: { type: "string" },
    expires: { type: "string" },
    uses: { type: "string" },
    eligible: { type: "string" },
    note: { type: "string" },
    out: { type: "string" },
  });
  if (values.amount === undefined || values.count === undefined) throw new UsageError("codes create needs --amount and --count");
  const now = new Date();
  let spec;
  let key;
  try {
    spec = parseBatchSpec(values, now);
    key = creationKey(ctx.env);
  } catch (err) {
    if (isUserError(err)) throw new UsageError(translate("en", err.key, err.params));
    throw err;
  }
  const out = values.out;
  if (out !== undefined && (existsSync(out) || existsSync(`${out}.partial`))) throw new UsageError(`${out} already exists: codes are never written over another file. Nothing was made.`);

  const { prisma } = await ctx.database();
  let written = false;
  try {
    const { batch } = await createCodeBatch(prisma, {
      spec,
      key,
      newAccountDays: ctx.env.CODES_NEW_ACCOUNT_DAYS,
      createdBy: { type: "system", id: operator() },
      beforeCommit: async (made, codes) => {
        const csv = codesCsv(made, codes);
        if (out === undefined) await writeAll(ctx.stdout, csv);
        else writeFileSync(`${out}.partial`, csv, { mode: 0o600, flag: "wx" });
        written = true;
      },
    });
    if (out !== undefined) renameSync(`${out}.partial`, out);
    const t = translator("en");
    ctx.stderr.write(
      `${batch.batchNo}: ${batch.codeCount} codes of ${formatUsd(batch.amount)}, ${batch.usesPerCode} use(s) each, ` +
        `until ${batch.expiresAt.toISOString()}, ${eligibilityText(batch, t)}${out !== undefined ? `, written to ${printable(out)}` : ""}.\n` +
        "The codes are shown this once: only their HMACs are stored.\n",
    );
    return EXIT_OK;
  } catch (err) {
    if (written && out !== undefined) rmSync(`${out}.partial`, { force: true });
    throw err;
  }
}

async function list(argv: string[], ctx: CliContext): Promise<number> {
  const values = options(argv, { limit: { type: "string" } });
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError("--limit is a whole number from 1 to 1000");
  const { prisma } = await ctx.database();
  const batches = await listCodeBatches(prisma, { limit });
  if (batches.length === 0) {
    ctx.stdout.write("no batches yet\n");
    return EXIT_OK;
  }
  const now = new Date();
  const t = translator("en");
  const rows = [["batch", "amount", "codes", "uses", "expires", "eligible", "status", "redeemed", "credited"]];
  for (const u of batches) {
    const b = u.batch;
    rows.push([b.batchNo, formatUsd(b.amount), String(b.codeCount), String(b.usesPerCode), b.expiresAt.toISOString(), eligibilityText(b, t), batchStatusText(b, t, now), `${u.redemptions}/${u.capacity}`, formatUsd(u.credited)]);
  }
  const cells = rows.map((r) => r.map((c) => printable(c)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  ctx.stdout.write(cells.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n") + "\n");
  return EXIT_OK;
}

function describe(usage: CodeBatchUsage, now: Date): string {
  const { batch } = usage;
  const t = translator("en");
  const lines = [
    ["batch", batchNo(batch.seq)],
    ["amount", formatUsd(batch.amount)],
    ["codes", String(batch.codeCount)],
    ["uses per code", String(batch.usesPerCode)],
    ["expires", batch.expiresAt.toISOString()],
    ["eligible", eligibilityText(batch, t)],
    ["status", batchStatusText(batch, t, now)],
    ["redeemed", `${usage.redemptions} of ${usage.capacity} (${usage.codesUsed} codes used, ${usage.codesExhausted} used up, ${usage.accounts} accounts)`],
    ["credited", formatUsd(usage.credited)],
    ["made by", `${batch.createdBy} at ${batch.createdAt.toISOString()}`],
    ...(batch.note ? [["note", batch.note]] : []),
  ];
  return lines.map(([k, v]) => `${k.padEnd(14)}${printable(v)}`).join("\n") + "\n";
}
