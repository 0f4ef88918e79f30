import { parseArgs } from "node:util";
import { LINK_CODE_DEFAULT_TTL_MINUTES, LINK_CODE_MAX_TTL_MINUTES } from "../../accounts/linkCodes.ts";
import { GatewayLinkError, issueGatewayLinkCode, linkGatewayUser, unlinkGatewayUser } from "../../gateway/links.ts";
import { EXIT_FAILED, EXIT_OK, UsageError, type CliSubcommand } from "../context.ts";
import { printable } from "../../lib/printable.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OPERATOR = "cli";

function gatewayUserId(raw: string | undefined): number {
  const id = Number(raw);
  if (!raw || !/^\d{1,10}$/.test(raw) || id < 1 || id > 2_147_483_647) throw new UsageError(`"${raw ?? ""}" is not a gateway user id (a whole number from 1)`);
  return id;
}

function accountId(raw: string | undefined): string {
  if (!raw || !UUID.test(raw)) throw new UsageError(`"${raw ?? ""}" is not an account id (a UUID)`);
  return raw.toLowerCase();
}

/** `credit-desk gateway link|unlink|link-code|links`: which new-api / one-api user an account's credit goes to. */
export const gatewayCommand: CliSubcommand = {
  name: "gateway",
  usage:
    "gateway link <accountId> <gatewayUserId>\n" +
    "                                 mirror the account's credit to that new-api / one-api user's quota\n" +
    "gateway unlink <accountId>\n" +
    "gateway link-code <gatewayUserId> [--ttl MINUTES]\n" +
    "                                 the gateway user's account (made if needed) and a one-time code for `link`\n" +
    "gateway links                    every link\n" +
    "gateway changes [--open]         quota changes, newest first (--open: not applied yet, or given up)",
  async run(argv, ctx) {
    const [action, ...rest] = argv;
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ttl: { type: "string" }, open: { type: "boolean", default: false } }, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const args = parsed.positionals;
    if (action !== "link-code" && parsed.values.ttl !== undefined) throw new UsageError("--ttl goes with gateway link-code");
    if (action !== "changes" && parsed.values.open) throw new UsageError("--open goes with gateway changes");
    try {
      if (action === "link") {
        if (args.length !== 2) throw new UsageError("gateway link takes an account id and a gateway user id");
        const [account, user] = [accountId(args[0]), gatewayUserId(args[1])];
        const { prisma } = await ctx.database();
        const { created } = await linkGatewayUser(prisma, { accountId: account, gatewayUserId: user, linkedBy: OPERATOR });
        ctx.stdout.write(`${created ? "linked" : "already linked"}: account ${printable(account)} → gateway user ${user}\n`);
        return EXIT_OK;
      }
      if (action === "unlink") {
        if (args.length !== 1) throw new UsageError("gateway unlink takes an account id");
        const account = accountId(args[0]);
        const { prisma } = await ctx.database();
        if (!(await unlinkGatewayUser(prisma, account))) {
          ctx.stderr.write(`account ${printable(account)} is not linked to a gateway user\n`);
          return EXIT_FAILED;
        }
        ctx.stdout.write(`unlinked account ${printable(account)}\n`);
        return EXIT_OK;
      }
      if (action === "link-code") {
        if (args.length !== 1) throw new UsageError("gateway link-code takes a gateway user id");
        const user = gatewayUserId(args[0]);
        const ttl = parsed.values.ttl === undefined ? LINK_CODE_DEFAULT_TTL_MINUTES : Number(parsed.values.ttl);
        if (!Number.isInteger(ttl) || ttl < 1 || ttl > LINK_CODE_MAX_TTL_MINUTES) throw new UsageError(`--ttl is a whole number of minutes from 1 to ${LINK_CODE_MAX_TTL_MINUTES}`);
        const { prisma } = await ctx.database();
        const issued = await issueGatewayLinkCode(prisma, { gatewayUserId: user, lowBalanceThreshold: ctx.env.LOW_BALANCE_DEFAULT_USD, ttlMinutes: ttl, linkedBy: OPERATOR });
        const code = printable(issued.code);
        ctx.stdout.write(`${code}\n`);
        ctx.stderr.write(
          `${issued.created ? "new" : "existing"} account ${printable(issued.accountId)} of gateway user ${user}; code valid until ${issued.expiresAt.toISOString()}; the user types: link ${code}\n`,
        );
        return EXIT_OK;
      }
      if (action === "links") {
        if (args.length) throw new UsageError("gateway links takes no arguments");
        const { prisma } = await ctx.database();
        const links = await prisma.gatewayLink.findMany({ orderBy: { createdAt: "asc" } });
        for (const l of links) ctx.stdout.write(`${printable(l.accountId)}  ${l.gatewayUserId}  ${printable(l.linkedBy)}  ${l.createdAt.toISOString()}\n`);
        if (!links.length) ctx.stderr.write("no account is linked to a gateway user\n");
        return EXIT_OK;
      }
      if (action === "changes") {
        if (args.length) throw new UsageError("gateway changes takes no arguments");
        const { prisma } = await ctx.database();
        const changes = await prisma.gatewayQuotaChange.findMany({
          where: parsed.values.open ? { status: { in: ["pending", "failed"] } } : {},
          orderBy: { id: "desc" },
          take: 100,
        });
        for (const c of changes) {
          ctx.stdout.write(
            `${printable(c.changeKey)}  user ${c.gatewayUserId}  ${c.quota > 0n ? "+" : ""}${c.quota}  ${printable(c.status)}  attempts ${c.attempts}` +
              `${c.appliedAt ? `  applied ${c.appliedAt.toISOString()}` : ""}${c.lastError ? `  last error: ${printable(c.lastError)}` : ""}\n`,
          );
        }
        if (!changes.length) ctx.stderr.write("no quota changes\n");
        return EXIT_OK;
      }
    } catch (err) {
      if (err instanceof GatewayLinkError) {
        ctx.stderr.write(`${printable(err.message)}\n`);
        return EXIT_FAILED;
      }
      throw err;
    }
    throw new UsageError(action ? `unknown gateway action "${action}"` : "gateway needs an action: link, unlink, link-code, links or changes");
  },
};
