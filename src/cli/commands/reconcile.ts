import { reconcile } from "../../ledger/reconcile.ts";
import { EXIT_FAILED, EXIT_OK, UsageError, type CliSubcommand } from "../context.ts";
import { printable } from "../../lib/printable.ts";

export const reconcileCommand: CliSubcommand = {
  name: "reconcile",
  usage: "reconcile                        prove sum(entries) == cached balance for every account; exit 1 naming each mismatch",
  async run(argv, ctx) {
    if (argv.length > 0) throw new UsageError(`reconcile takes no arguments (got ${argv.join(" ")})`);
    const db = await ctx.database();
    const report = await reconcile(db.prisma);
    if (report.mismatches.length === 0) {
      ctx.stdout.write(`reconcile: ${report.accounts} accounts checked, every cached balance equals the sum of its entries\n`);
      return EXIT_OK;
    }
    for (const m of report.mismatches) {
      ctx.stdout.write(
        `MISMATCH account ${printable(m.accountId)} bucket ${printable(m.bucket)}: entries sum to ${m.entries}, cache holds ${m.cached} (micro-USD)\n`,
      );
    }
    const accounts = [...new Set(report.mismatches.map((m) => m.accountId))];
    ctx.stdout.write(`reconcile: ${accounts.length} of ${report.accounts} accounts do not reconcile: ${accounts.map((a) => printable(a)).join(", ")}\n`);
    return EXIT_FAILED;
  },
};
