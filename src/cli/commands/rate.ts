import { userInfo } from "node:os";
import { BASE_CURRENCY, formatRate, isCurrencyCode, parseRate, RATE_PROBLEMS } from "../../fx/currency.ts";
import { rateInForce, storedRates } from "../../fx/rateInForce.ts";
import { setRate } from "../../fx/setRate.ts";
import { loadMethods, MethodsConfigError, payCurrencyOf, type ManualMethod, type MethodsConfig } from "../../methods/paymentMethods.ts";
import { EXIT_OK, UsageError, type CliContext, type CliSubcommand } from "../context.ts";
import { printable } from "../../lib/printable.ts";

/**
 * `credit-desk rate set CNY 7.21` and `credit-desk rate list`: the exchange rate new orders of a
 * method paid in another currency are priced at. A rate set here wins over the payment methods
 * file's; an order keeps the rate it was made with. A bad rate is a usage error (exit 2) and
 * writes nothing.
 */
export const rateCommand: CliSubcommand = {
  name: "rate",
  usage:
    "rate set <CURRENCY> <RATE>\n" +
    "                                 price new orders in CURRENCY at RATE units per USD (rate set CNY 7.21); audited\n" +
    "rate list\n" +
    "                                 the rate in force for each currency a payment method is paid in, and where it comes from",
  async run(argv, ctx) {
    const [action, ...rest] = argv;
    if (action === "set") return set(rest, ctx);
    if (action === "list") {
      if (rest.length > 0) throw new UsageError("rate list takes no arguments");
      return list(ctx);
    }
    throw new UsageError(action ? `unknown rate action "${action}"` : "rate needs an action: set or list");
  },
};

function methodsOf(ctx: CliContext): MethodsConfig {
  try {
    return loadMethods(ctx.env.PAYMENT_METHODS_FILE);
  } catch (err) {
    if (err instanceof MethodsConfigError) throw new UsageError(err.message);
    throw err;
  }
}

function paidIn(methods: MethodsConfig, currency: string): ManualMethod[] {
  return methods.methods.filter((m): m is ManualMethod => m.kind === "manual" && m.currency === currency);
}

/** The operator, as the audit log names them: the login of whoever ran the command, when known. */
function operator(): string {
  try {
    return `operator:${userInfo().username}`;
  } catch {
    return "operator";
  }
}

async function set(args: string[], ctx: CliContext): Promise<number> {
  // Read by hand, not with parseArgs: "-1" is a (refused) rate here, not an unknown option.
  if (args.length !== 2) throw new UsageError("rate set takes a currency and a rate: rate set CNY 7.21");
  const [currencyArg, rateArg] = args;
  const currency = currencyArg.toUpperCase();
  if (!isCurrencyCode(currency)) throw new UsageError(`"${currencyArg}" is not a currency code (three letters, such as CNY)`);
  if (currency === BASE_CURRENCY) throw new UsageError("USD is the currency of the credit itself: its rate is always 1");
  const parsed = parseRate(rateArg);
  if ("problem" in parsed) throw new UsageError(`"${rateArg}" is not a rate: ${RATE_PROBLEMS[parsed.problem]}. Nothing was changed.`);
  const methods = methodsOf(ctx);
  const using = paidIn(methods, currency);
  if (using.length === 0) {
    const others = [...new Set(methods.methods.map(payCurrencyOf).filter((c) => c !== BASE_CURRENCY))];
    throw new UsageError(
      `no payment method in ${ctx.env.PAYMENT_METHODS_FILE} is paid in ${currency}` +
        (others.length ? ` (methods are paid in ${others.join(", ")})` : " (every method is paid in USD)") +
        ". Nothing was changed.",
    );
  }
  const { prisma } = await ctx.database();
  const { previous } = await setRate(prisma, { currency, rate: parsed.rate, setBy: operator() });
  const was = previous !== null ? `was ${formatRate(previous)}` : `was not set: the payment methods file's ${configured(using)} was in force`;
  ctx.stdout.write(`${currency}: ${formatRate(parsed.rate)} per USD (${printable(was)})\n`);
  ctx.stderr.write(`New orders with ${using.map((m) => m.id).join(", ")} are priced at this rate; orders already made keep their own.\n`);
  return EXIT_OK;
}

function configured(methods: ManualMethod[]): string {
  const rates = [...new Set(methods.flatMap((m) => (m.rate === undefined ? [] : [formatRate(m.rate)])))];
  return rates.length ? rates.join(" / ") : "none";
}

async function list(ctx: CliContext): Promise<number> {
  const methods = methodsOf(ctx);
  const { prisma } = await ctx.database();
  const stored = await storedRates(prisma);
  const currencies = [...new Set([...methods.methods.map(payCurrencyOf).filter((c) => c !== BASE_CURRENCY), ...stored.map((r) => r.currency)])].sort();
  if (currencies.length === 0) {
    ctx.stdout.write("every payment method is paid in USD: no rate is needed\n");
    return EXIT_OK;
  }
  const rows = [["currency", "in force", "from", "methods", "file's rate"]];
  for (const currency of currencies) {
    const using = paidIn(methods, currency);
    const fileRate = using.find((m) => m.rate !== undefined)?.rate;
    const force = await rateInForce(prisma, currency, fileRate);
    const from = !force ? "none: these methods take no orders" : force.source === "database" ? `set by ${force.setBy} at ${force.updatedAt!.toISOString()}` : "the payment methods file";
    rows.push([currency, force ? formatRate(force.rate) : "-", from, using.map((m) => m.id).join(", ") || "-", configured(using)]);
  }
  const cells = rows.map((r) => r.map((c) => printable(c)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  ctx.stdout.write(cells.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n") + "\n");
  return EXIT_OK;
}
