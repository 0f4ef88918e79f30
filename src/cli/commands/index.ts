import type { CliSubcommand } from "../context.ts";
import { accountCommand } from "./account.ts";
import { codesCommand } from "./codes.ts";
import { consoleCommand } from "./console.ts";
import { gatewayCommand } from "./gateway.ts";
import { ledgerCommand } from "./ledger.ts";
import { linkCodeCommand } from "./link-code.ts";
import { migrateCommand } from "./migrate.ts";
import { rateCommand } from "./rate.ts";
import { reconcileCommand } from "./reconcile.ts";
import { webhooksCommand } from "./webhooks.ts";

/**
 * Every `credit-desk` subcommand. To add one, write src/cli/commands/<name>.ts exporting a
 * CliSubcommand and add one line here; `credit-desk help` lists them in this order.
 */
export const subcommands: CliSubcommand[] = [
  migrateCommand,
  reconcileCommand,
  ledgerCommand,
  accountCommand,
  linkCodeCommand,
  codesCommand,
  webhooksCommand,
  gatewayCommand,
  rateCommand,
  consoleCommand,
];
