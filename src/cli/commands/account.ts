import { parseArgs } from "node:util";
import { formatUsd } from "../../ledger/money.ts";
import { BUCKETS, emptyBalances, totalOf, type Bucket } from "../../ledger/types.ts";
import { EXIT_FAILED, EXIT_OK, UsageError, type CliSubcommand } from "../context.ts";
import { printable } from "../../lib/printable.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Rows of cells, aligned; every cell goes through printable (most of them come from the database). */
function table(cells: string[][]): string {
  if (cells.length === 0) return "";
  const rows = cells.map((r) => r.map((cell) => printable(cell)));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => "  " + r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n") + "\n";
}

const iso = (d: Date | null) => (d ? d.toISOString() : "-");

export const accountCommand: CliSubcommand = {
  name: "account",
  usage:
    "account show <accountId> [--entries N] [--orders N]\n" +
    "                                 balances by bucket, chat identities, recent entries and orders",
  async run(argv, ctx) {
    const [action, ...rest] = argv;
    if (action !== "show") throw new UsageError(action ? `unknown account action "${action}"` : "account needs an action: show");
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: { entries: { type: "string", default: "20" }, orders: { type: "string", default: "10" } },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const [id, ...extra] = parsed.positionals;
    if (!id || extra.length > 0) throw new UsageError("account show takes exactly one account id");
    if (!UUID.test(id)) throw new UsageError(`"${id}" is not an account id (a UUID)`);
    const limits = [parsed.values.entries, parsed.values.orders].map(Number);
    if (limits.some((n) => !Number.isInteger(n) || n < 0 || n > 10_000)) throw new UsageError("--entries and --orders are whole numbers up to 10000");
    const [entryLimit, orderLimit] = limits;

    const { prisma } = await ctx.database();
    const account = await prisma.account.findUnique({
      where: { id: id.toLowerCase() },
      include: {
        balances: true,
        identities: { orderBy: { createdAt: "asc" } },
        entries: { orderBy: { id: "desc" }, take: entryLimit },
        orders: { orderBy: { createdAt: "desc" }, take: orderLimit },
      },
    });
    if (!account) {
      ctx.stderr.write(`no account ${printable(id)}\n`);
      return EXIT_FAILED;
    }

    const balances = emptyBalances();
    for (const b of account.balances) balances[b.bucket as Bucket] = b.amount;
    const out: string[] = [];
    out.push(`Account ${printable(account.id)}`);
    out.push(
      `  status ${printable(account.status)}  locale ${printable(account.locale)}  created ${iso(account.createdAt)}  low-balance alert ${
        account.lowBalanceThreshold === null ? "off" : formatUsd(account.lowBalanceThreshold)
      }`,
    );
    out.push("");
    out.push("Balances");
    out.push(
      table([
        ...BUCKETS.map((b) => [b, formatUsd(balances[b]), `${balances[b]} micro-USD`]),
        ["total", formatUsd(totalOf(balances)), `${totalOf(balances)} micro-USD`],
      ]).trimEnd(),
    );
    out.push("");
    out.push(`Identities (${account.identities.length})`);
    out.push(
      account.identities.length === 0
        ? "  none"
        : table(account.identities.map((i) => [i.platform, i.workspaceId, i.userId, i.displayName ?? ""])).trimEnd(),
    );
    out.push("");
    out.push(`Recent entries (${account.entries.length} shown, newest first)`);
    out.push(
      account.entries.length === 0
        ? "  none"
        : table(
            account.entries.map((e) => [
              `#${e.id}`,
              iso(e.createdAt),
              e.type,
              e.bucket,
              formatUsd(e.amount),
              `balance ${formatUsd(e.balanceAfter)}`,
              `${e.actorType}${e.actorId ? ":" + e.actorId : ""}`,
              e.reference ?? "",
              e.memo ?? "",
            ]),
          ).trimEnd(),
    );
    out.push("");
    out.push(`Orders (${account.orders.length} shown, newest first)`);
    out.push(
      account.orders.length === 0
        ? "  none"
        : table(
            account.orders.map((o) => [
              o.orderNo,
              o.status,
              o.methodId,
              `asked ${formatUsd(o.requestedAmount)}`,
              o.confirmedPrincipal === null ? "" : `credited ${formatUsd(o.confirmedPrincipal)} + ${formatUsd(o.confirmedBonus ?? 0n)} bonus`,
              iso(o.createdAt),
              o.txHash ?? "",
            ]),
          ).trimEnd(),
    );
    ctx.stdout.write(out.join("\n") + "\n");
    return EXIT_OK;
  },
};
