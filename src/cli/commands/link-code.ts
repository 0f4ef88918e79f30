import { parseArgs } from "node:util";
import { issueLinkCode, LINK_CODE_DEFAULT_TTL_MINUTES, LINK_CODE_MAX_TTL_MINUTES } from "../../accounts/linkCodes.ts";
import { EXIT_OK, UsageError, type CliSubcommand } from "../context.ts";
import { printable } from "../../lib/printable.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `credit-desk link-code issue <accountId> [--ttl MINUTES]`: prints a one-time code for linked onboarding. */
export const linkCodeCommand: CliSubcommand = {
  name: "link-code",
  usage:
    `link-code issue <accountId> [--ttl MINUTES]\n` +
    `                                 a one-time code the customer redeems with the link command (default ${LINK_CODE_DEFAULT_TTL_MINUTES} min)`,
  async run(argv, ctx) {
    const [action, ...rest] = argv;
    if (action !== "issue") throw new UsageError(action ? `unknown link-code action "${action}"` : "link-code needs an action: issue");
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ttl: { type: "string" } }, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const [accountId, ...extra] = parsed.positionals;
    if (!accountId || extra.length > 0) throw new UsageError("link-code issue takes exactly one account id");
    if (!UUID.test(accountId)) throw new UsageError(`"${accountId}" is not an account id (a UUID)`);
    const ttl = parsed.values.ttl === undefined ? LINK_CODE_DEFAULT_TTL_MINUTES : Number(parsed.values.ttl);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > LINK_CODE_MAX_TTL_MINUTES) {
      throw new UsageError(`--ttl is a whole number of minutes from 1 to ${LINK_CODE_MAX_TTL_MINUTES}`);
    }
    const { prisma } = await ctx.database();
    const issued = await issueLinkCode(prisma, { accountId, ttlMinutes: ttl });
    const code = printable(issued.code);
    ctx.stdout.write(`${code}\n`);
    ctx.stderr.write(`one-time link code for account ${printable(issued.accountId)}, valid until ${issued.expiresAt.toISOString()}; the customer types: link ${code}\n`);
    return EXIT_OK;
  },
};
