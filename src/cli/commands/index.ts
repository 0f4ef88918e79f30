import type { CliSubcommand } from "../context.ts";
import { accountCommand } from "./account.ts";
import { ledgerCommand } from "./ledger.ts";
import { migrateCommand } from "./migrate.ts";
import { reconcileCommand } from "./reconcile.ts";

/**
 * Every `credit-desk` subcommand. To add one, write src/cli/commands/<name>.ts exporting a
 * CliSubcommand and add one line here; `credit-desk help` lists them in this order.
 */
export const subcommands: CliSubcommand[] = [
  migrateCommand,
  reconcileCommand,
  ledgerCommand,
  accountCommand,
  // link-code: `link-code issue <accountId>` (src/cli/commands/link-code.ts)
  // console: the local playground (src/cli/commands/console.ts)
];
