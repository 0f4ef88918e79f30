import { randomBytes } from "node:crypto";
import fc from "fast-check";
import type { Caller } from "../../../src/core/command.ts";
import { dispatch, type Registry } from "../../../src/core/dispatch.ts";
import { Prisma } from "../../../src/db/index.ts";
import { reconcile } from "../../../src/ledger/reconcile.ts";
import type { Reply } from "../../../src/reply.ts";
import type { Services } from "../../../src/services.ts";
import { ingestUsage } from "../../../src/usage/ingestUsage.ts";
import { parseUsageBatch } from "../../../src/usage/usageRecord.ts";
import { PNG_BYTES } from "../../helpers/services.ts";

/**
 * The property-based ledger test. fast-check generates a program per run: a few fresh customers,
 * some orders made up front, usage batches, and several lanes of operations as they exist in the
 * code today (top-up credits through topup → proof → confirm, support confirms (also two at once),
 * rejects, reopens, customer cancels, usage batches through POST /api/v1/usage or ingestUsage, and
 * batches sent again). The lanes run at once (Promise.all, on a pool of connections). Then:
 *
 *  1. reconcile: every cached balance equals the sum of its entries;
 *  2. every entry's balance-after figures are the running sums of its account and bucket;
 *  3. no bucket goes below zero except through usage (api_usage), and nothing else digs deeper;
 *  4. the model: each account holds its trial + what its confirmed orders credited − what its
 *     usage rows cost; each confirmed order has one posting of principal + bonus (20% flat,
 *     rounded down), of an amount someone asked for; no other order has one; each usage row is
 *     debited exactly its cost, and was reported "accepted" exactly once;
 *  5. reversals never exceed what they reverse (the code has no refund or adjustment yet: the
 *     check runs over the refund / bonus_reversal entries, of which there are none);
 *  6. idempotency: every operation that wrote to the ledger, sent again (all at once), changes
 *     no row of the ledger, and no record is "accepted" twice.
 *
 * Shared by the full run (run.ts, on PostgreSQL) and the CI slice (slice.test.ts).
 */

const REJECT_REASONS = ["wrong_network", "amount_mismatch", "not_found", "below_minimum", "duplicate", "other"] as const;

type Op =
  | { k: "credit"; acct: number; amount: string; support: number; principal?: string }
  | { k: "confirm"; order: number; support: number; principal?: string }
  | { k: "doubleConfirm"; order: number }
  | { k: "reject"; order: number; support: number; reason: (typeof REJECT_REASONS)[number] }
  | { k: "reopen"; order: number; support: number }
  | { k: "cancel"; order: number }
  | { k: "proofAgain"; order: number }
  | { k: "usage"; batch: number; via: "http" | "function" }
  // Refunds and adjustments, used when the registry has them (they came after the first version).
  | { k: "refund"; acct: number; amount?: string }
  /** A credit, then a refund of part of it (or all that may be asked for), then its approval. */
  | { k: "refundCycle"; acct: number; amount: string; refund?: string; support: number }
  | { k: "refundApprove"; refund: number; support: number }
  | { k: "refundReject"; refund: number; support: number }
  | { k: "adjust"; acct: number; amount: string; bucket: "principal" | "bonus" | "trial" | "promo"; support: number }
  | { k: "voucher"; acct: number; amount: string; support: number }
  | { k: "adjustDecide"; adjustment: number; support: number; decision: "approve" | "decline" };

interface UsageSpec {
  id: number;
  /** -1: an account that does not exist. */
  acct: number;
  cost: number;
  model: number;
}

export interface Program {
  accounts: number;
  orders: { acct: number; amount: string; submit: boolean }[];
  batches: UsageSpec[][];
  lanes: Op[][];
}

const amountArb = fc.oneof(
  fc.integer({ min: 10, max: 400 }).map(String),
  fc.tuple(fc.integer({ min: 10, max: 250 }), fc.integer({ min: 1, max: 999_999 })).map(([a, b]) => `${a}.${String(b).padStart(6, "0").replace(/0+$/, "") || "0"}`),
);
const principalArb = fc.option(fc.oneof(fc.integer({ min: 1, max: 300 }).map(String), fc.constant("0.000001"), fc.constant("12.5")), { nil: undefined, freq: 3 });

/** Which of the later operations the registry offers (refunds, adjustments). */
export interface Extras {
  refunds: boolean;
  adjustments: boolean;
}

export function extrasOf(registry: Registry): Extras {
  return {
    refunds: Boolean(registry.find("refund") && registry.find("refund-approve") && registry.find("refund-reject")),
    adjustments: Boolean(registry.find("adjust") && registry.find("voucher") && registry.find("adjust-decide")),
  };
}

export function programArb(options: { maxLanes: number; maxOpsPerLane: number; extras?: Extras }): fc.Arbitrary<Program> {
  return fc.integer({ min: 2, max: 4 }).chain((accounts) => {
    const acct = fc.integer({ min: 0, max: accounts - 1 });
    const order = fc.nat({ max: 40 });
    const support = fc.nat({ max: 2 });
    const usage: fc.Arbitrary<UsageSpec> = fc.record({
      id: fc.nat({ max: 24 }),
      acct: fc.oneof({ weight: 12, arbitrary: acct }, { weight: 1, arbitrary: fc.constant(-1) }),
      cost: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 4_000_000 }) }, { weight: 1, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 10_000_000, max: 60_000_000 }) }),
      model: fc.nat({ max: 1 }),
    });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ k: fc.constant("credit" as const), acct, amount: amountArb, support, principal: principalArb }) },
      { weight: 4, arbitrary: fc.record({ k: fc.constant("confirm" as const), order, support, principal: principalArb }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant("doubleConfirm" as const), order }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant("reject" as const), order, support, reason: fc.constantFrom(...REJECT_REASONS) }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant("reopen" as const), order, support }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant("cancel" as const), order }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant("proofAgain" as const), order }) },
      { weight: 6, arbitrary: fc.record({ k: fc.constant("usage" as const), batch: fc.nat({ max: 20 }), via: fc.constantFrom("http" as const, "function" as const) }) },
    );
    const smallAmount = fc.oneof(fc.integer({ min: 1, max: 60 }).map(String), fc.constantFrom("0.5", "2.25", "150", "0.000001"));
    const refunds: fc.Arbitrary<Op>[] = options.extras?.refunds
      ? [
          fc.record({ k: fc.constant("refund" as const), acct, amount: fc.option(smallAmount, { nil: undefined }) }),
          fc.record({ k: fc.constant("refundCycle" as const), acct, amount: amountArb, refund: fc.option(fc.integer({ min: 1, max: 15 }).map(String), { nil: undefined }), support }),
          fc.record({ k: fc.constant("refundCycle" as const), acct, amount: amountArb, refund: fc.option(fc.integer({ min: 1, max: 15 }).map(String), { nil: undefined }), support }),
          fc.record({ k: fc.constant("refundApprove" as const), refund: fc.nat({ max: 20 }), support }),
          fc.record({ k: fc.constant("refundApprove" as const), refund: fc.nat({ max: 20 }), support }),
          fc.record({ k: fc.constant("refundReject" as const), refund: fc.nat({ max: 20 }), support }),
        ]
      : [];
    const adjustments: fc.Arbitrary<Op>[] = options.extras?.adjustments
      ? [
          fc.record({ k: fc.constant("adjust" as const), acct, amount: fc.tuple(fc.constantFrom("", "+", "-"), smallAmount).map(([sign, a]) => sign + a), bucket: fc.constantFrom("principal" as const, "bonus" as const, "trial" as const, "promo" as const), support }),
          fc.record({ k: fc.constant("voucher" as const), acct, amount: smallAmount, support }),
          fc.record({ k: fc.constant("adjustDecide" as const), adjustment: fc.nat({ max: 20 }), support, decision: fc.constantFrom("approve" as const, "approve" as const, "decline" as const) }),
        ]
      : [];
    const extra = [...refunds, ...adjustments];
    const anyOp: fc.Arbitrary<Op> = extra.length ? fc.oneof({ weight: 3, arbitrary: op }, { weight: 2, arbitrary: fc.oneof(...extra) }) : op;
    return fc.record({
      accounts: fc.constant(accounts),
      orders: fc.array(fc.record({ acct, amount: amountArb, submit: fc.boolean() }), { minLength: 1, maxLength: 5 }),
      batches: fc.array(fc.array(usage, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 6 }),
      lanes: fc.array(fc.array(anyOp, { minLength: 1, maxLength: options.maxOpsPerLane }), { minLength: 2, maxLength: options.maxLanes }),
    });
  });
}

export interface LedgerPropertyOptions {
  services: Services;
  registry: Registry;
  /** http://host:port of a web server on these services: usage batches marked "http" go there. */
  webUrl?: string;
  apiKey?: string;
  numRuns: number;
  seed?: number;
  maxLanes?: number;
  maxOpsPerLane?: number;
  /** Lanes at once (Promise.all) or one after the other. */
  concurrent?: boolean;
  progress?: (line: string) => void;
}

export interface LedgerPropertyResult {
  runs: number;
  /** Operations of the lanes, as generated. */
  operations: number;
  /** Of which some wrote to the ledger (a credit, a confirm, an accepted record). */
  ledgerWrites: number;
  /** Orders made up front, and accounts opened. */
  setupOperations: number;
  replayed: number;
  /** Refund / bonus_reversal entries that existed to check. */
  reversals: number;
  seed: number;
  failure?: string;
  durationMs: number;
  extras?: Extras;
  /** What became of each kind of operation: "confirm ok 12", "refund refused 3"… */
  outcomes: Map<string, number>;
  /**
   * Operations answered with the internal-error reply (something broke on our side): not a ledger
   * invariant, so the runs go on, but each one is a bug. The first few, with their run.
   */
  internalErrors: string[];
  internalErrorCount: number;
}

interface OrderRef {
  orderNo: string;
  acct: number;
  /** Principal amounts support asked for when confirming (besides the instructed amount). */
  asked: Set<bigint>;
}

interface RunState {
  tag: string;
  refunds: string[];
  adjustments: string[];
  customers: Caller[];
  accountIds: string[];
  orders: OrderRef[];
  hashSeq: number;
  /** Every "accepted" report, by record id. */
  accepted: Map<string, number>;
  /** Operations that wrote to the ledger, to send again. */
  replays: (() => Promise<unknown>)[];
  ledgerWrites: number;
  unexpected: string[];
}

const supportCaller = (k: number): Caller => ({ platform: "console", workspaceId: "local", userId: `lp-support-${k}`, displayName: `Support ${k}`, locale: "en", isSupport: true });

function textOf(reply: Reply): string {
  return [reply.summary ?? "", ...reply.blocks.map((b) => ("text" in b ? b.text : ""))].join("\n");
}

/** A reply that says something broke on our side: a property violation wherever it happens. */
function isInternal(reply: Reply): boolean {
  return /Something went wrong on our side|trace id|出错|追踪/.test(textOf(reply));
}

function parseMicros(amount: string): bigint {
  const [whole, frac = ""] = amount.split(".");
  return BigInt(whole) * 1_000_000n + BigInt((frac + "000000").slice(0, 6));
}

export async function runLedgerProperty(options: LedgerPropertyOptions): Promise<LedgerPropertyResult> {
  const started = Date.now();
  const seed = options.seed ?? Number.parseInt(randomBytes(4).toString("hex"), 16) >>> 1;
  const result: LedgerPropertyResult = { runs: 0, operations: 0, ledgerWrites: 0, setupOperations: 0, replayed: 0, reversals: 0, seed, durationMs: 0, outcomes: new Map(), internalErrors: [], internalErrorCount: 0 };
  let runNo = 0;
  let lastViolations: string[] = [];
  const extras = extrasOf(options.registry);
  result.extras = extras;
  const property = fc.asyncProperty(programArb({ maxLanes: options.maxLanes ?? 4, maxOpsPerLane: options.maxOpsPerLane ?? 10, extras }), async (program) => {
    runNo += 1;
    const outcome = await runProgram(options, program, runNo, result.outcomes);
    result.runs += 1;
    result.operations += program.lanes.reduce((n, lane) => n + lane.length, 0);
    result.setupOperations += program.accounts + program.orders.length;
    result.replayed += outcome.replayed;
    result.ledgerWrites += outcome.ledgerWrites;
    result.reversals = Math.max(result.reversals, outcome.reversals);
    result.internalErrorCount += outcome.internal.length;
    for (const e of outcome.internal) if (result.internalErrors.length < 6) result.internalErrors.push(`run ${runNo}: ${e}`);
    if (outcome.violations.length) {
      lastViolations = outcome.violations;
      throw new Error(outcome.violations.slice(0, 8).join("\n"));
    }
  });
  try {
    await fc.assert(property, { numRuns: options.numRuns, seed, endOnFailure: true, verbose: 0 });
  } catch (err) {
    const report = err instanceof Error ? err.message : String(err);
    result.failure = `${lastViolations.slice(0, 12).join("\n")}\n--- fast-check ---\n${report.slice(0, 2500)}`;
  }
  result.durationMs = Date.now() - started;
  return result;
}

async function runProgram(options: LedgerPropertyOptions, program: Program, runNo: number, outcomes: Map<string, number>) {
  const { services, registry } = options;
  const tag = `${randomBytes(3).toString("hex")}`;
  const state: RunState = { tag, refunds: [], adjustments: [], customers: [], accountIds: [], orders: [], hashSeq: 0, accepted: new Map(), replays: [], ledgerWrites: 0, unexpected: [] };
  const run = (caller: Caller, command: string, args: Record<string, unknown>) => dispatch(registry, services, caller, command, args);
  const note = (what: string, reply: Reply) => {
    const key = `${what} ${reply.error ? "refused" : "ok"}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    if (isInternal(reply)) state.unexpected.push(`${what}: internal error reply: ${textOf(reply).slice(0, 200)}`);
  };

  // Customers, each with an account (and its trial credit).
  for (let i = 0; i < program.accounts; i++) {
    const caller: Caller = { platform: "console", workspaceId: "local", userId: `lp-${tag}-c${i}`, displayName: `Customer ${i}`, locale: "en", isSupport: false };
    note("balance", await run(caller, "balance", {}));
    state.customers.push(caller);
    const identity = await services.prisma.chatIdentity.findUniqueOrThrow({ where: { platform_workspaceId_userId: { platform: "console", workspaceId: "local", userId: caller.userId } } });
    state.accountIds.push(identity.accountId);
  }

  const newHash = () => `0x${tag}${String(runNo).padStart(6, "0")}${String(++state.hashSeq).padStart(8, "0")}`.padEnd(66, "a");

  async function createOrder(acct: number, amount: string, submit: boolean): Promise<OrderRef | null> {
    const caller = state.customers[acct];
    const made = await run(caller, "topup", { method: "trc20", amount });
    note("topup", made);
    if (made.error) return null;
    const orderNo = /CD-\d{6,}/.exec(textOf(made))?.[0];
    if (!orderNo) {
      state.unexpected.push(`topup answered without an order number: ${textOf(made).slice(0, 200)}`);
      return null;
    }
    const ref: OrderRef = { orderNo, acct, asked: new Set() };
    state.orders.push(ref);
    if (submit) {
      const proof = await run(caller, "proof", { order: orderNo, txHash: newHash(), screenshot: { name: "paid.png", bytes: PNG_BYTES } });
      note("proof", proof);
    }
    return ref;
  }

  const orderAt = (i: number) => (state.orders.length ? state.orders[i % state.orders.length] : null);

  async function confirm(ref: OrderRef, support: number, principal?: string) {
    if (principal) ref.asked.add(parseMicros(principal));
    const args = { order: ref.orderNo, ...(principal ? { amount: principal } : {}) };
    const reply = await run(supportCaller(support), "confirm", args);
    note("confirm", reply);
    if (!reply.error) {
      state.ledgerWrites += 1;
      state.replays.push(() => run(supportCaller(support), "confirm", args));
    }
    return reply;
  }

  function batchBody(specs: UsageSpec[]) {
    return {
      records: specs.map((s) => ({
        id: `lp-${tag}-r${s.id}`,
        accountId: s.acct < 0 ? randomUUIDFor(tag, s.id) : state.accountIds[s.acct],
        model: s.model ? "gpt-test-mini" : "gpt-test",
        endpoint: "/v1/chat/completions",
        inputTokens: 100 + s.id,
        outputTokens: 50,
        cost: String(s.cost),
        time: "2026-01-01T00:00:00Z",
      })),
    };
  }

  async function sendBatch(specs: UsageSpec[], via: "http" | "function"): Promise<string[]> {
    const body = batchBody(specs);
    if (via === "http" && options.webUrl) {
      const res = await fetch(`${options.webUrl}/api/v1/usage`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${options.apiKey}` },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status !== 200) {
        state.unexpected.push(`POST /api/v1/usage answered ${res.status}: ${text.slice(0, 300)}`);
        return [];
      }
      return (JSON.parse(text) as { accepted: string[] }).accepted;
    }
    const parsed = parseUsageBatch(body);
    const ingested = await ingestUsage(services.prisma, parsed.valid, {
      spendingOrder: services.env.SPENDING_ORDER,
      now: services.now,
      parallel: services.db.kind === "postgres" ? services.env.USAGE_INGEST_PARALLEL : 1,
      driver: services.db.driver,
    });
    return ingested.accepted;
  }

  const sentBatches = new Set<UsageSpec[]>();
  async function usage(specs: UsageSpec[], via: "http" | "function") {
    sentBatches.add(specs);
    const accepted = await sendBatch(specs, via);
    for (const id of accepted) state.accepted.set(id, (state.accepted.get(id) ?? 0) + 1);
    if (accepted.length) state.ledgerWrites += 1;
  }

  // Orders made up front (some submitted), so the lanes have something to decide.
  for (const spec of program.orders) await createOrder(spec.acct, spec.amount, spec.submit);

  async function execute(op: Op): Promise<void> {
    switch (op.k) {
      case "credit": {
        const ref = await createOrder(op.acct, op.amount, true);
        if (ref) await confirm(ref, op.support, op.principal);
        return;
      }
      case "confirm": {
        const ref = orderAt(op.order);
        if (ref) await confirm(ref, op.support, op.principal);
        return;
      }
      case "doubleConfirm": {
        const ref = orderAt(op.order);
        if (ref) await Promise.all([confirm(ref, 0), confirm(ref, 1)]);
        return;
      }
      case "reject": {
        const ref = orderAt(op.order);
        if (ref) note("reject", await run(supportCaller(op.support), "reject", { order: ref.orderNo, reason: op.reason, ...(op.reason === "other" ? { note: "property test" } : {}) }));
        return;
      }
      case "reopen": {
        const ref = orderAt(op.order);
        if (ref) note("reopen", await run(supportCaller(op.support), "reopen", { order: ref.orderNo }));
        return;
      }
      case "cancel": {
        const ref = orderAt(op.order);
        if (ref) note("cancel", await run(state.customers[ref.acct], "cancel", { order: ref.orderNo }));
        return;
      }
      case "proofAgain": {
        const ref = orderAt(op.order);
        if (ref) note("proof again", await run(state.customers[ref.acct], "proof", { order: ref.orderNo, txHash: newHash(), screenshot: { name: "again.png", bytes: PNG_BYTES } }));
        return;
      }
      case "usage":
        return usage(program.batches[op.batch % program.batches.length], op.via);
      case "refund": {
        const reply = await run(state.customers[op.acct], "refund", { ...(op.amount ? { amount: op.amount } : {}), reason: "property test: changed my mind" });
        note("refund request", reply);
        const no = /RF-\d{6,}/.exec(textOf(reply))?.[0];
        if (!reply.error && no) state.refunds.push(no);
        return;
      }
      case "refundCycle": {
        const ref = await createOrder(op.acct, op.amount, true);
        if (!ref) return;
        await confirm(ref, op.support);
        const reply = await run(state.customers[op.acct], "refund", { ...(op.refund ? { amount: op.refund } : {}), reason: "property test: refund cycle" });
        note("refund request", reply);
        const no = /RF-\d{6,}/.exec(textOf(reply))?.[0];
        if (reply.error || !no) return;
        state.refunds.push(no);
        const args = { request: no, reference: `PAYOUT-${tag}-${no}` };
        const approved = await run(supportCaller((op.support + 1) % 3), "refund-approve", args);
        note("refund approve", approved);
        if (!approved.error) {
          state.ledgerWrites += 1;
          state.replays.push(() => run(supportCaller(op.support), "refund-approve", args));
        }
        return;
      }
      case "refundApprove": {
        const no = state.refunds.length ? state.refunds[op.refund % state.refunds.length] : null;
        if (!no) return;
        const args = { request: no, reference: `PAYOUT-${tag}-${no}` };
        const reply = await run(supportCaller(op.support), "refund-approve", args);
        note("refund approve", reply);
        if (!reply.error) {
          state.ledgerWrites += 1;
          state.replays.push(() => run(supportCaller(op.support), "refund-approve", args));
        }
        return;
      }
      case "refundReject": {
        const no = state.refunds.length ? state.refunds[op.refund % state.refunds.length] : null;
        if (no) note("refund reject", await run(supportCaller(op.support), "refund-reject", { request: no, reason: "property test" }));
        return;
      }
      case "adjust":
      case "voucher": {
        const args = { account: state.accountIds[op.acct], amount: op.amount, ...(op.k === "adjust" ? { bucket: op.bucket } : {}), reason: "property test" };
        const reply = await run(supportCaller(op.support), op.k, args);
        note(op.k, reply);
        const no = /ADJ-\d{6,}/.exec(textOf(reply))?.[0];
        if (!reply.error && no) state.adjustments.push(no);
        if (!reply.error) state.ledgerWrites += 1;
        return;
      }
      case "adjustDecide": {
        const no = state.adjustments.length ? state.adjustments[op.adjustment % state.adjustments.length] : null;
        if (!no) return;
        const args = { request: no, decision: op.decision };
        const reply = await run(supportCaller(op.support), "adjust-decide", args);
        note(`adjust-decide ${op.decision}`, reply);
        if (!reply.error && op.decision === "approve") state.replays.push(() => run(supportCaller(op.support), "adjust-decide", args));
        return;
      }
    }
  }

  const lanes = program.lanes.map((lane) => async () => {
    for (const op of lane) await execute(op);
  });
  if (options.concurrent === false) for (const lane of lanes) await lane();
  else await Promise.all(lanes.map((lane) => lane()));

  const violations = await checkLedger(services, state);

  // Idempotency: every operation that wrote to the ledger, and every batch sent, once more (over
  // both paths), all at once.
  const before = await ledgerDigest(services);
  const replayAccepted: string[] = [];
  const again = [
    ...state.replays.map((replay) => replay()),
    ...[...sentBatches].flatMap((batch) => [
      sendBatch(batch, "http").then((ids) => replayAccepted.push(...ids)),
      sendBatch(batch, "function").then((ids) => replayAccepted.push(...ids)),
    ]),
    ...state.customers.map((c) => run(c, "balance", {})),
  ];
  await Promise.all(again);
  const after = await ledgerDigest(services);
  for (const [table, digest] of Object.entries(before)) {
    if (after[table] !== digest) violations.push(`replay changed ${table}: ${digest} → ${after[table]}`);
  }
  if (replayAccepted.length) violations.push(`replay accepted records again: ${replayAccepted.slice(0, 5).join(", ")}`);
  const reversals = await services.prisma.ledgerEntry.count({ where: { type: { in: ["refund", "bonus_reversal"] } } });
  if (violations.length) violations.unshift(`run ${runNo} (tag ${tag}), program ${JSON.stringify(program).slice(0, 1500)}`);
  options.progress?.(`run ${runNo}: ${program.lanes.length} lanes, ${program.lanes.reduce((n, l) => n + l.length, 0)} ops, ${state.orders.length} orders, ${violations.length ? "VIOLATION" : "ok"}${state.unexpected.length ? `, ${state.unexpected.length} internal errors` : ""}`);
  return { violations, replayed: again.length, ledgerWrites: state.ledgerWrites, reversals, internal: state.unexpected };
}

function randomUUIDFor(tag: string, id: number): string {
  // An account id that exists nowhere, the same for the same record (so a resend is the same record).
  const hex = Buffer.from(`${tag}-${id}`).toString("hex").padEnd(32, "0").slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The ledger's rows, digested table by table (what an idempotent replay must leave as it was). */
export async function ledgerDigest(services: Services): Promise<Record<string, string>> {
  const [row] = await services.prisma.$queryRaw<Record<string, string>[]>`
    SELECT
      (SELECT count(*) || ':' || md5(coalesce(string_agg("idempotencyKey" || '/' || "requestHash", ',' ORDER BY id), '')) FROM "postings") AS postings,
      (SELECT count(*) || ':' || md5(coalesce(string_agg(id || '/' || "accountId" || '/' || bucket || '/' || amount || '/' || "balanceAfter" || '/' || "bucketBalanceAfter", ',' ORDER BY id), '')) FROM "ledger_entries") AS entries,
      (SELECT count(*) || ':' || md5(coalesce(string_agg("accountId" || '/' || bucket || '/' || amount, ',' ORDER BY "accountId", bucket), '')) FROM "balances") AS balances,
      (SELECT count(*) || ':' || md5(coalesce(string_agg("recordId" || '/' || cost, ',' ORDER BY "recordId"), '')) FROM "usage_records") AS usage_records,
      (SELECT count(*) || ':' || md5(coalesce(string_agg(id || '/' || status || '/' || coalesce("confirmedPrincipal"::text, '-'), ',' ORDER BY id), '')) FROM "topup_orders") AS orders`;
  for (const [table, columns] of [["refund_requests", `id || '/' || status || '/' || coalesce("refundedPrincipal"::text, '-')`], ["adjustment_requests", `id || '/' || status || '/' || coalesce("postingId"::text, '-')`]]) {
    const exists = await services.prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*)::bigint AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '${table}'`);
    if (Number(exists[0].n) === 0) continue;
    const [d] = await services.prisma.$queryRawUnsafe<{ d: string }[]>(`SELECT count(*) || ':' || md5(coalesce(string_agg(${columns}, ',' ORDER BY id), '')) AS d FROM "${table}"`);
    row[table] = d.d;
  }
  return row;
}

/** The invariants of the ledger after a run; returns the violations found. */
export async function checkLedger(services: Services, state: Pick<RunState, "accountIds" | "orders" | "accepted">): Promise<string[]> {
  const violations: string[] = [];
  const { prisma } = services;

  // 1. Cached balances equal the sums of the entries.
  const report = await reconcile(prisma);
  for (const m of report.mismatches) violations.push(`reconcile: account ${m.accountId} ${m.bucket}: entries ${m.entries}, cached ${m.cached}`);

  // 2. Balance-after figures are running sums (entry ids follow the account locks' order).
  const ids = Prisma.join(state.accountIds.map((id) => Prisma.sql`${id}::uuid`));
  const broken = await prisma.$queryRaw<{ id: bigint; accountId: string; bucket: string; type: string; bba: bigint; run_bucket: bigint; ba: bigint; run_total: bigint }[]>`
    SELECT * FROM (
      SELECT id, "accountId"::text AS "accountId", bucket, type, "bucketBalanceAfter" AS bba, "balanceAfter" AS ba,
        sum(amount) OVER (PARTITION BY "accountId", bucket ORDER BY id)::bigint AS run_bucket,
        sum(amount) OVER (PARTITION BY "accountId" ORDER BY id)::bigint AS run_total
      FROM "ledger_entries" WHERE "accountId" IN (${ids})
    ) e WHERE e.bba <> e.run_bucket OR e.ba <> e.run_total LIMIT 5`;
  for (const b of broken) violations.push(`entry ${b.id} (${b.type}, ${b.bucket}): after-figures ${b.bba}/${b.ba} but running sums ${b.run_bucket}/${b.run_total}`);

  // 3. Below zero only through usage: anything else that leaves a bucket negative must be a credit.
  const negative = await prisma.$queryRaw<{ id: bigint; type: string; amount: bigint; bba: bigint; ba: bigint }[]>`
    SELECT id, type, amount, "bucketBalanceAfter" AS bba, "balanceAfter" AS ba FROM "ledger_entries"
    WHERE "accountId" IN (${ids}) AND type <> 'api_usage' AND amount < 0 AND ("bucketBalanceAfter" < 0 OR "balanceAfter" < 0) LIMIT 5`;
  for (const n of negative) violations.push(`entry ${n.id}: a ${n.type} of ${n.amount} left the balance at ${n.bba}/${n.ba}`);
  const negativeBuckets = await prisma.$queryRaw<{ accountId: string; bucket: string; amount: bigint; last: string }[]>`
    SELECT b."accountId"::text AS "accountId", b.bucket, b.amount,
      (SELECT type FROM "ledger_entries" e WHERE e."accountId" = b."accountId" AND e.bucket = b.bucket AND e.amount < 0 ORDER BY id DESC LIMIT 1) AS last
    FROM "balances" b WHERE b."accountId" IN (${ids}) AND b.amount < 0`;
  for (const n of negativeBuckets) if (n.last !== "api_usage") violations.push(`account ${n.accountId} ${n.bucket} is ${n.amount}, last taken by ${n.last}`);

  // 4. The model, from the orders and usage rows alone.
  const orders = await prisma.topupOrder.findMany({ where: { accountId: { in: state.accountIds } } });
  const postings = await prisma.posting.findMany({ where: { idempotencyKey: { in: orders.map((o) => `topup:${o.id}`) } }, include: { entries: true } });
  const postingOf = new Map(postings.map((p) => [p.idempotencyKey, p]));
  const askedByNo = new Map(state.orders.map((o) => [o.orderNo, o.asked]));
  const expected = new Map(state.accountIds.map((id) => [id, 0n]));
  for (const order of orders) {
    const posting = postingOf.get(`topup:${order.id}`);
    if (order.status !== "confirmed" && order.status !== "refunded") {
      if (posting) violations.push(`order ${order.orderNo} is ${order.status} but has a credit posting`);
      continue;
    }
    if (!posting) {
      violations.push(`order ${order.orderNo} is confirmed without a credit posting`);
      continue;
    }
    const principal = order.confirmedPrincipal ?? -1n;
    const bonus = order.confirmedBonus ?? -1n;
    const sum = (type: string) => posting.entries.filter((e) => e.type === type).reduce((s, e) => s + e.amount, 0n);
    if (sum("usdt_topup") !== principal) violations.push(`order ${order.orderNo}: principal entries ${sum("usdt_topup")} ≠ confirmed ${principal}`);
    if (sum("topup_bonus") !== bonus) violations.push(`order ${order.orderNo}: bonus entries ${sum("topup_bonus")} ≠ confirmed ${bonus}`);
    if (bonus !== (principal * 2000n) / 10_000n) violations.push(`order ${order.orderNo}: bonus ${bonus} is not 20% of ${principal}`);
    if (posting.entries.some((e) => e.accountId !== order.accountId)) violations.push(`order ${order.orderNo}: credited to another account`);
    const asked = askedByNo.get(order.orderNo);
    if (principal !== order.instructedAmount && !asked?.has(principal)) violations.push(`order ${order.orderNo}: credited ${principal}, which nobody asked for`);
    expected.set(order.accountId, (expected.get(order.accountId) ?? 0n) + principal + bonus);
  }
  const trials = await prisma.ledgerEntry.groupBy({ by: ["accountId"], where: { accountId: { in: state.accountIds }, type: "trial_credit" }, _sum: { amount: true } });
  for (const t of trials) expected.set(t.accountId, (expected.get(t.accountId) ?? 0n) + (t._sum.amount ?? 0n));
  const usageRows = await prisma.usageRecord.findMany({ where: { accountId: { in: state.accountIds } } });
  for (const u of usageRows) expected.set(u.accountId, (expected.get(u.accountId) ?? 0n) - u.cost);
  const balances = await prisma.balance.groupBy({ by: ["accountId"], where: { accountId: { in: state.accountIds } }, _sum: { amount: true } });
  const actual = new Map(balances.map((b) => [b.accountId, b._sum.amount ?? 0n]));
  // Refunds: an approved request has its posting (principal back, bonus reversed), nothing else has one.
  const tables = new Set((await prisma.$queryRaw<{ name: string }[]>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`).map((t) => t.name));
  const kinds = ["trial_credit", "usdt_topup", "topup_bonus", "api_usage"];
  if (tables.has("refund_requests")) {
    kinds.push("refund", "bonus_reversal");
    const refunds = await prisma.$queryRaw<{ id: string; seq: number; accountId: string; status: string; refunded: bigint | null; reversed: bigint | null; due: bigint | null }[]>`
      SELECT id::text, seq, "accountId"::text AS "accountId", status, "refundedPrincipal" AS refunded, "reversedBonus" AS reversed, "bonusDue" AS due
      FROM "refund_requests" WHERE "accountId" IN (${ids})`;
    const refundPostings = await prisma.posting.findMany({ where: { idempotencyKey: { in: refunds.map((r) => `refund:${r.id}`) } }, include: { entries: true } });
    const byKey = new Map(refundPostings.map((p) => [p.idempotencyKey, p]));
    const refundedOf = new Map<string, { principal: bigint; bonus: bigint }>();
    for (const r of refunds) {
      const posting = byKey.get(`refund:${r.id}`);
      if (r.status !== "approved") {
        if (posting) violations.push(`refund #${r.seq} is ${r.status} but has a posting`);
        continue;
      }
      const principal = r.refunded ?? 0n;
      const bonus = r.reversed ?? 0n;
      if (!posting) violations.push(`refund #${r.seq} is approved without a posting`);
      else {
        const sum = (type: string) => -posting.entries.filter((e) => e.type === type).reduce((t, e) => t + e.amount, 0n);
        if (sum("refund") !== principal || sum("bonus_reversal") !== bonus) violations.push(`refund #${r.seq}: entries ${sum("refund")}/${sum("bonus_reversal")}, request says ${principal}/${bonus}`);
      }
      if (principal <= 0n) violations.push(`refund #${r.seq} approved for ${principal}`);
      if (bonus > (r.due ?? 0n)) violations.push(`refund #${r.seq} reversed ${bonus} bonus, more than the ${r.due} due`);
      expected.set(r.accountId, (expected.get(r.accountId) ?? 0n) - principal - bonus);
      const acc = refundedOf.get(r.accountId) ?? { principal: 0n, bonus: 0n };
      refundedOf.set(r.accountId, { principal: acc.principal + principal, bonus: acc.bonus + bonus });
    }
    // Per order: never more back than it credited; "refunded" exactly when all of its principal is.
    const perOrder = await prisma.$queryRaw<{ orderNo: string; accountId: string; status: string; cp: bigint | null; cb: bigint | null; rp: bigint; rb: bigint }[]>`
      SELECT "orderNo", "accountId"::text AS "accountId", status, "confirmedPrincipal" AS cp, "confirmedBonus" AS cb,
             coalesce("refundedPrincipal", 0)::bigint AS rp, coalesce("reversedBonus", 0)::bigint AS rb
      FROM "topup_orders" WHERE "accountId" IN (${ids})`;
    const fromOrders = new Map<string, { principal: bigint; bonus: bigint }>();
    for (const o of perOrder) {
      if (o.rp > (o.cp ?? 0n) || o.rb > (o.cb ?? 0n)) violations.push(`order ${o.orderNo}: refunded ${o.rp} + ${o.rb} of ${o.cp} + ${o.cb}`);
      if (o.cp !== null && o.cp > 0n && o.rb * o.cp > (o.cb ?? 0n) * o.rp + o.cp) violations.push(`order ${o.orderNo}: bonus reversed ${o.rb} is more than in proportion to ${o.rp} of ${o.cp}`);
      if ((o.status === "refunded") !== (o.cp !== null && o.rp === o.cp && o.cp > 0n)) violations.push(`order ${o.orderNo} is ${o.status} with ${o.rp} of ${o.cp} refunded`);
      const acc = fromOrders.get(o.accountId) ?? { principal: 0n, bonus: 0n };
      fromOrders.set(o.accountId, { principal: acc.principal + o.rp, bonus: acc.bonus + o.rb });
    }
    for (const id of state.accountIds) {
      const a = refundedOf.get(id) ?? { principal: 0n, bonus: 0n };
      const b = fromOrders.get(id) ?? { principal: 0n, bonus: 0n };
      if (a.principal !== b.principal || a.bonus !== b.bonus) violations.push(`account ${id}: refunds paid ${a.principal}/${a.bonus}, its orders record ${b.principal}/${b.bonus}`);
    }
  }
  // Adjustments and vouchers: applied or approved ones have one posting of their amount; the rest none.
  if (tables.has("adjustment_requests")) {
    kinds.push("admin_adjustment", "voucher");
    const adjustments = await prisma.$queryRaw<{ id: string; seq: number; accountId: string; status: string; amount: bigint; type: string }[]>`
      SELECT id::text, seq, "accountId"::text AS "accountId", status, amount, "entryType" AS type FROM "adjustment_requests" WHERE "accountId" IN (${ids})`;
    const postings = await prisma.posting.findMany({ where: { idempotencyKey: { in: adjustments.map((a) => `adjustment:${a.id}`) } }, include: { entries: true } });
    const byKey = new Map(postings.map((p) => [p.idempotencyKey, p]));
    for (const a of adjustments) {
      const posting = byKey.get(`adjustment:${a.id}`);
      const written = a.status === "applied" || a.status === "approved";
      if (!written) {
        if (posting) violations.push(`adjustment #${a.seq} is ${a.status} but has a posting`);
        continue;
      }
      const sum = posting?.entries.reduce((t, e) => t + e.amount, 0n);
      if (sum !== a.amount || posting?.entries.some((e) => e.type !== a.type)) violations.push(`adjustment #${a.seq} (${a.status}, ${a.amount}): posting ${sum ?? "missing"}`);
      expected.set(a.accountId, (expected.get(a.accountId) ?? 0n) + a.amount);
    }
  }
  for (const [accountId, want] of expected) {
    if ((actual.get(accountId) ?? 0n) !== want) violations.push(`account ${accountId}: balance ${actual.get(accountId) ?? 0n}, the model says ${want}`);
  }
  const otherEntries = await prisma.ledgerEntry.count({ where: { accountId: { in: state.accountIds }, type: { notIn: kinds } } });
  if (otherEntries) violations.push(`${otherEntries} entries of a type no operation of the run makes`);

  // Each usage row debited exactly its cost, once; each reported accepted exactly once.
  const usageSums = await prisma.$queryRaw<{ key: string; total: bigint; accounts: string[] }[]>`
    SELECT split_part("idempotencyKey", '#', 1) AS key, sum(amount)::bigint AS total, array_agg(DISTINCT "accountId"::text) AS accounts
    FROM "ledger_entries" WHERE type = 'api_usage' AND "accountId" IN (${ids}) GROUP BY 1`;
  const debited = new Map(usageSums.map((u) => [u.key, u]));
  const rowIds = new Set<string>();
  for (const u of usageRows) {
    rowIds.add(u.recordId);
    const d = debited.get(`usage:${u.recordId}`);
    const total = d ? -d.total : 0n;
    if (total !== u.cost) violations.push(`usage ${u.recordId}: debited ${total}, costs ${u.cost}`);
    if (d && (d.accounts.length !== 1 || d.accounts[0] !== u.accountId)) violations.push(`usage ${u.recordId}: debited from ${d.accounts.join(",")}`);
    const reported = state.accepted.get(u.recordId) ?? 0;
    if (reported !== 1) violations.push(`usage ${u.recordId}: reported accepted ${reported} times`);
  }
  for (const [id, times] of state.accepted) if (!rowIds.has(id)) violations.push(`usage ${id}: reported accepted ${times} times, but no usage row`);
  for (const key of debited.keys()) if (!rowIds.has(key.slice("usage:".length))) violations.push(`${key}: entries without a usage row`);

  // 5. Reversals never exceed what they reverse: per account, principal paid back ≤ principal
  // credited by top-ups, bonus reversed ≤ bonus credited (and, by 3, never below zero).
  const overReversed = await prisma.$queryRaw<{ accountId: string }[]>`
    SELECT "accountId"::text AS "accountId" FROM "ledger_entries" WHERE "accountId" IN (${ids})
    GROUP BY "accountId"
    HAVING -coalesce(sum(amount) FILTER (WHERE type = 'refund'), 0) > coalesce(sum(amount) FILTER (WHERE type = 'usdt_topup'), 0)
        OR -coalesce(sum(amount) FILTER (WHERE type = 'bonus_reversal'), 0) > coalesce(sum(amount) FILTER (WHERE type = 'topup_bonus'), 0)`;
  for (const o of overReversed) violations.push(`account ${o.accountId}: reversed more than was credited`);
  return violations;
}

