import { registry } from "../../../commands/index.ts";
import { createServices } from "../../app/createServices.ts";
import { startConsole } from "../../platforms/console/index.ts";
import { EXIT_OK, type CliSubcommand } from "../context.ts";

/** `credit-desk console [--script]`: the local playground, on the database the environment names. */
export const consoleCommand: CliSubcommand = {
  name: "console",
  usage: "console [--script]              the local playground: type commands as a customer or as support (--script: read lines from stdin)",
  async run(argv, ctx) {
    const db = await ctx.database();
    const services = await createServices({ env: ctx.env, db, allowDemoMethods: true });
    await startConsole(services, registry, { script: argv.includes("--script") ? true : undefined });
    return EXIT_OK;
  },
};
