import { registry } from "../../../commands/index.ts";
import { startWebServer } from "../../../src/http/server.ts";
import { groupErrorLines } from "../lib/fuzz/oracle.ts";
import { checkLedger, runLedgerProperty } from "../lib/ledgerProperty.ts";
import { dispatch } from "../../../src/core/dispatch.ts";
import type { Services } from "../../../src/services.ts";
import { realServices } from "../lib/services.ts";
import { fmt, seconds } from "../lib/table.ts";
import type { RunContext } from "../run.ts";

/** Section 1: the property-based ledger test on PostgreSQL, lanes of operations at once. */
export async function ledgerSection(ctx: RunContext): Promise<void> {
  const url = await ctx.server.createDatabase("ledger");
  const services = await realServices({ url, capture: ctx.capture, name: "ledger", poolSize: 16, logLevel: "info" });
  const web = await startWebServer(services, 0, "127.0.0.1");
  const watch = ctx.capture.watch();
  try {
    const result = await runLedgerProperty({
      services,
      registry,
      webUrl: `http://127.0.0.1:${web.port}`,
      apiKey: ctx.secrets.API_KEY_1,
      numRuns: ctx.quick ? 5 : 40,
      seed: ctx.seed,
      maxLanes: 5,
      maxOpsPerLane: 10,
      concurrent: true,
      progress: (line) => ctx.progress(`ledger: ${line}`),
    });
    const ok = !result.failure;
    ctx.results.add(
      "1 ledger",
      "property runs × lane operations (2–5 lanes at once, on a pool of 16 connections; plus accounts and orders set up first)",
      `${result.runs} runs × ${fmt(Math.round(result.operations / Math.max(1, result.runs)))} ops = ${fmt(result.operations)} ops (+${fmt(result.setupOperations)} set-up), ${fmt(result.ledgerWrites)} wrote to the ledger, ${seconds(result.durationMs)}`,
      ok,
    );
    ctx.results.add("1 ledger", "reconcile, running sums, below zero only through usage, model (orders, usage rows, trial), each record accepted once", ok ? "held after every run" : "violated", ok);
    ctx.results.add("1 ledger", "idempotency: every ledger write and every batch sent again, all at once", `${fmt(result.replayed)} replays, ledger rows unchanged${ok ? "" : " (see failure)"}`, ok);
    const extras = [result.extras?.refunds ? "refunds (request, approve, reject)" : "", result.extras?.adjustments ? "adjustments and vouchers (with four-eyes decisions)" : ""].filter(Boolean).join(", ");
    ctx.results.add("1 ledger", `reversals never exceed what they reverse (${extras || "no refunds or adjustments in the code yet"})`, `${result.reversals} reversal entries (refund, bonus_reversal) at the end, all within bounds`, ok);
    const kinds = [...result.outcomes.entries()].sort().map(([k, n]) => `${k} ${n}`).join(", ");
    ctx.results.add("1 ledger", "what the operations did (ok / refused by the rules)", kinds, true);
    const errors = watch.errors.length;
    ctx.results.add("1 ledger", "operations answered with the internal-error reply / error-level log lines", `${result.internalErrorCount} / ${errors}`, errors === 0 && result.internalErrorCount === 0);
    if (result.internalErrorCount) {
      ctx.results.finding(
        `${result.internalErrorCount} operation(s) of the property runs got "something went wrong" (seed ${result.seed})`,
        `${result.internalErrors.join("\n").slice(0, 1500)}\nLogged: ${groupErrorLines(watch.errors).map((g) => `${g.count}× ${g.signature}`).join("; ").slice(0, 800)}`,
      );
    }
    if (result.failure) ctx.results.finding(`Ledger property violated (seed ${result.seed})`, `Reproduce: npm run reliability -- --only ledger --seed ${result.seed}\n${result.failure}`);

    ctx.results.add("1 ledger", "oracle self-check: planted corruptions (a cached balance off by 1 µ$, a usage row never debited) are caught", await selfCheck(services), true);
  } finally {
    watch.stop();
    await web.close();
    await services.db.close();
  }
}

/** The checks must see a corrupted ledger: each planted fault is found, then undone. */
async function selfCheck(services: Services): Promise<string> {
  const caller = { platform: "console" as const, workspaceId: "local", userId: "oracle-self-check", locale: "en" as const, isSupport: false };
  await dispatch(registry, services, caller, "balance", {});
  const { accountId } = await services.prisma.chatIdentity.findFirstOrThrow({ where: { userId: caller.userId } });
  const state = { accountIds: [accountId], orders: [], accepted: new Map<string, number>() };
  const clean = await checkLedger(services, state);
  await services.prisma.$executeRaw`UPDATE "balances" SET "amount" = "amount" + 1 WHERE "accountId" = ${accountId}::uuid`;
  const balanceOff = await checkLedger(services, state);
  await services.prisma.$executeRaw`UPDATE "balances" SET "amount" = "amount" - 1 WHERE "accountId" = ${accountId}::uuid`;
  // A usage row that was never debited (ledger rows themselves are immutable: a trigger refuses updates).
  await services.prisma.usageRecord.create({ data: { recordId: "oracle-self-check", accountId, model: "m", endpoint: "/e", cost: 5n, occurredAt: new Date() } });
  const entryOff = await checkLedger(services, { ...state, accepted: new Map([["oracle-self-check", 1]]) });
  await services.prisma.usageRecord.delete({ where: { recordId: "oracle-self-check" } });
  const after = await checkLedger(services, state);
  const ok = clean.length === 0 && balanceOff.length > 0 && entryOff.length > 0 && after.length === 0;
  if (!ok) throw new Error(`the ledger checks missed a planted fault: clean ${clean.length}, balance ${balanceOff.length}, entry ${entryOff.length}, after ${after.length}`);
  return `clean: 0 violations; balance off: ${balanceOff.length} found; usage not debited: ${entryOff.length} found; undone: 0`;
}
