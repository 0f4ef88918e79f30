import type { Database } from "../../db/index.ts";
import { MigrationError } from "../../db/migrate.ts";
import { loadMethods, MethodsConfigError } from "../../methods/paymentMethods.ts";
import { backfillPaymentTargets, needsPaymentTargets } from "../../topups/backfillPaymentTargets.ts";
import { EXIT_FAILED, EXIT_OK, UsageError, type CliSubcommand } from "../context.ts";
import { printable } from "../../lib/printable.ts";

export const migrateCommand: CliSubcommand = {
  name: "migrate",
  usage: "migrate                          apply pending migrations from prisma/migrations",
  async run(argv, ctx) {
    if (argv.length > 0) throw new UsageError(`migrate takes no arguments (got ${argv.join(" ")})`);
    const db = await ctx.database();
    try {
      const result = await db.migrate();
      for (const name of result.applied) ctx.stdout.write(`applied ${printable(name)}\n`);
      const backfilled = await backfillWithMethods(ctx, db);
      if (backfilled) ctx.stdout.write(`${backfilled} older order(s) and credited log(s) given their payment chain\n`);
      for (const name of result.modified) {
        ctx.stderr.write(`warning: ${printable(name)} was applied but its migration.sql changed since (checksum differs)\n`);
      }
      ctx.stdout.write(
        result.applied.length === 0
          ? `database is up to date (${result.alreadyApplied.length} migrations applied, ${db.kind})\n`
          : `${result.applied.length} migration(s) applied (${db.kind})\n`,
      );
      return EXIT_OK;
    } catch (err) {
      if (err instanceof MigrationError) {
        ctx.stderr.write(`migration failed: ${printable(err.message, { keepNewlines: true })}\n`);
        return EXIT_FAILED;
      }
      throw err;
    }
  },
};

/** Older rows get their chain from the payment methods file, when it can be read; the web and worker processes do it again at start. */
async function backfillWithMethods(ctx: Parameters<CliSubcommand["run"]>[1], db: Database): Promise<number> {
  if (!(await needsPaymentTargets(db.prisma))) return 0;
  try {
    return await backfillPaymentTargets(db.prisma, loadMethods(ctx.env.PAYMENT_METHODS_FILE));
  } catch (err) {
    if (!(err instanceof MethodsConfigError)) throw err;
    ctx.stderr.write(`note: older orders keep no payment chain until the payment methods file can be read (${printable(err.message.split("\n")[0])})\n`);
    return 0;
  }
}
