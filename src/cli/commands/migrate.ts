import { MigrationError } from "../../db/migrate.ts";
import { EXIT_FAILED, EXIT_OK, UsageError, type CliSubcommand } from "../context.ts";

export const migrateCommand: CliSubcommand = {
  name: "migrate",
  usage: "migrate                          apply pending migrations from prisma/migrations",
  async run(argv, ctx) {
    if (argv.length > 0) throw new UsageError(`migrate takes no arguments (got ${argv.join(" ")})`);
    const db = await ctx.database();
    try {
      const result = await db.migrate();
      for (const name of result.applied) ctx.stdout.write(`applied ${name}\n`);
      for (const name of result.modified) {
        ctx.stderr.write(`warning: ${name} was applied but its migration.sql changed since (checksum differs)\n`);
      }
      ctx.stdout.write(
        result.applied.length === 0
          ? `database is up to date (${result.alreadyApplied.length} migrations applied, ${db.kind})\n`
          : `${result.applied.length} migration(s) applied (${db.kind})\n`,
      );
      return EXIT_OK;
    } catch (err) {
      if (err instanceof MigrationError) {
        ctx.stderr.write(`migration failed: ${err.message}\n`);
        return EXIT_FAILED;
      }
      throw err;
    }
  },
};
