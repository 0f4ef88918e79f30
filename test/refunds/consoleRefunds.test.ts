import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { formatUsd } from "../../src/ledger/money.ts";
import type { Services } from "../../src/services.ts";
import { runConsole } from "../helpers/consoleScript.ts";
import { drawn } from "../helpers/outbox.ts";
import { createTestServices } from "../helpers/services.ts";
import { accountOf, as, buckets, confirmedTopup, expectReconciled, lastRefundNo, snapshot, spend, USD } from "./fixtures.ts";

/**
 * Refunds end to end through the console: the customer's `refund`, the support card's Approve
 * (a form for the payment reference) and Reject, the ledger, the orders and the messages, on a
 * real database, with reconcile clean after each.
 */
let services: Services;
beforeAll(async () => {
  services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
});
afterAll(async () => {
  await services?.db.close();
});

const en = (key: string, params: Record<string, string> = {}) => translate("en", key, params);

async function entriesOf(accountId: string, types = ["refund", "bonus_reversal"]) {
  return services.prisma.ledgerEntry.findMany({ where: { accountId, type: { in: types } }, orderBy: { id: "asc" } });
}

async function lastDm(userId: string) {
  const rows = await services.prisma.outboxMessage.findMany({ where: { kind: "dm", dedupeKey: { startsWith: "refund:" } }, orderBy: { id: "desc" } });
  const row = rows.find((r) => (r.recipient as { userId?: string }).userId === userId);
  if (!row) throw new Error(`no refund message to ${userId}`);
  const reply = await drawn(services, row);
  return reply.blocks.map((b) => ("text" in b ? b.text : "")).join("\n");
}

describe("refunds through the console", () => {
  it("after partial spend, a refund of everything returns exactly the unused principal; the spent bonus is not reversed, and the memo and the message say so", async () => {
    const orderNo = await confirmedTopup(services, "ann", 100);
    const accountId = await accountOf(services, "ann");
    // $50 of usage: the $20 bonus first, then $30 of the principal.
    await spend(services, accountId, 50n * USD);
    expect(await buckets(services, accountId)).toEqual({ principal: 70n * USD, bonus: 0n });

    const out = await runConsole(services, ['refund "spent less than planned"', "/as support", "1", "0xfeed0000000000000000000000000000000000000000000000000000000000a1"], as("ann"));
    const refundNo = lastRefundNo(out);
    expect(out).toContain(en("refunds.requested", { refund: refundNo, amount: "$70.00" }));
    expect(out).toContain(en("refunds.card.asked_whole", { amount: "$70.00" }));
    expect(out).toContain(en("refunds.approved_bonus_spent", { refund: refundNo, principal: "$70.00", bonus: "$0.00", due: "$14.00" }));

    const entries = await entriesOf(accountId);
    expect(entries.map((e) => [e.type, e.bucket, e.amount])).toEqual([["refund", "principal", -70n * USD]]);
    expect(entries[0].memo).toContain("already spent");
    expect(entries[0].reference).toBe(refundNo);
    expect(await buckets(services, accountId)).toEqual({ principal: 0n, bonus: 0n });
    const order = await services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
    // $30 of its principal was spent: it is partly refunded, and stays confirmed.
    expect(order).toMatchObject({ status: "confirmed", refundedPrincipal: 70n * USD, reversedBonus: 0n });

    const dm = await lastDm("ann");
    expect(dm).toContain(en("refunds.dm.approved", { refund: refundNo, principal: "$70.00", reference: "0xfeed0000000000000000000000000000000000000000000000000000000000a1" }));
    expect(dm).toContain(en("refunds.dm.bonus_spent", { due: "$14.00" }));
    const audit = await services.prisma.auditLog.findFirstOrThrow({ where: { action: "refund.approve", outcome: "ok", accountId } });
    expect(audit).toMatchObject({ actorType: "support", actorId: "sam", platform: "console" });
    expect(audit.detail).toMatchObject({ refund: refundNo, principal: String(70n * USD), bonusDue: String(14n * USD), bonusReversed: "0" });
    expect(await services.prisma.auditLog.count({ where: { action: "refund.request", outcome: "ok", accountId } })).toBe(1);
    await expectReconciled(services);
  });

  it("when the bonus was partly spent, only what remains of it is reversed and the bonus bucket stops at zero", async () => {
    await confirmedTopup(services, "bea", 100);
    const accountId = await accountOf(services, "bea");
    await spend(services, accountId, 15n * USD); // bonus 20 → 5; principal untouched
    const out = await runConsole(services, ['refund 50 "moving to another provider"', "/as support", "1", "BANK-REF-BEA-1"], as("bea"));
    const refundNo = lastRefundNo(out);
    // $50 of $100 carries $10 of the bonus; only $5 of it is left.
    expect(out).toContain(en("refunds.approved_bonus_spent", { refund: refundNo, principal: "$50.00", bonus: "$5.00", due: "$10.00" }));
    const entries = await entriesOf(accountId);
    expect(entries.map((e) => [e.type, e.bucket, e.amount, e.bucketBalanceAfter])).toEqual([
      ["refund", "principal", -50n * USD, 50n * USD],
      ["bonus_reversal", "bonus", -5n * USD, 0n],
    ]);
    expect(entries[1].memo).toContain("the rest ($5.00) was already spent");
    expect(await buckets(services, accountId)).toEqual({ principal: 50n * USD, bonus: 0n });
    expect(await lastDm("bea")).toContain(en("refunds.dm.bonus_partly_spent", { bonus: "$5.00", due: "$10.00" }));
    await expectReconciled(services);
  });

  it("refunds the newest top-up first; a fully refunded order becomes `refunded` and `history` shows it", async () => {
    const older = await confirmedTopup(services, "cid", 100);
    const newer = await confirmedTopup(services, "cid", 50);
    const accountId = await accountOf(services, "cid");
    const first = await runConsole(services, ['refund 80 "too much credit"', "/as support", "1", "BANK-REF-CID-1", "/as customer", "history"], as("cid"));
    const firstNo = lastRefundNo(first);
    // 80 = all of the newer $50 (and its $10 bonus) + $30 of the older $100 ($6 of its $20 bonus).
    expect(first).toContain(en("refunds.approved", { refund: firstNo, principal: "$80.00", bonus: "$16.00", due: "$16.00" }));
    expect(await services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo: newer } })).toMatchObject({ status: "refunded", refundedPrincipal: 50n * USD, reversedBonus: 10n * USD });
    expect(await services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo: older } })).toMatchObject({ status: "confirmed", refundedPrincipal: 30n * USD, reversedBonus: 6n * USD });
    const historyLine = (orderNo: string, out: string) => out.split("\n").find((l) => l.includes(`• ${orderNo} `)) ?? "";
    expect(historyLine(newer, first)).toContain(en("topups.status.refunded"));
    expect(historyLine(older, first)).toContain(en("topups.status.confirmed"));
    expect(await lastDm("cid")).toContain(en("refunds.dm.orders_refunded", { orders: newer }));

    const second = await runConsole(services, ['refund "the rest too"', "/as support", "1", "BANK-REF-CID-2", "/as customer", "history"], as("cid"));
    const secondNo = lastRefundNo(second);
    expect(second).toContain(en("refunds.approved", { refund: secondNo, principal: "$70.00", bonus: "$14.00", due: "$14.00" }));
    expect(historyLine(newer, second)).toContain(en("topups.status.refunded"));
    expect(historyLine(older, second)).toContain(en("topups.status.refunded"));
    expect(await services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo: older } })).toMatchObject({ status: "refunded", refundedPrincipal: 100n * USD, reversedBonus: 20n * USD });
    expect(await buckets(services, accountId)).toEqual({ principal: 0n, bonus: 0n });
    // Each fully refunded order's own card is edited to say so.
    expect(await services.prisma.outboxMessage.count({ where: { kind: "card_update", dedupeKey: { contains: ":card:refunded:" } } })).toBeGreaterThanOrEqual(2);
    await expectReconciled(services);
  });

  it("a refund above the refundable amount is refused with a message stating it, and nothing is written", async () => {
    await confirmedTopup(services, "dee", 100);
    const accountId = await accountOf(services, "dee");
    const before = await snapshot(services);
    const out = await runConsole(services, ['refund 100.000001 "a bit more"', 'refund 0 "nothing"', 'refund -5 "negative"', 'refund 1.1234567 "too precise"'], as("dee"));
    expect(out).toContain(en("refunds.errors.above_refundable", { amount: "$100.000001", refundable: "$100.00" }));
    expect(out).toContain(translate("en", "errors.amount_zero"));
    expect(out).toContain(translate("en", "errors.amount_negative"));
    expect(out).toContain(translate("en", "errors.amount_decimals", { max: 6 }));
    expect(await snapshot(services)).toEqual(before);

    // A pending request holds its amount: a second one may ask only for the rest.
    const pending = await runConsole(services, ['refund 60 "first part"'], as("dee"));
    const held = await snapshot(services);
    const refused = await runConsole(services, ['refund 50 "second part"', "refund"], as("dee"));
    expect(refused).toContain(en("refunds.errors.above_available", { amount: "$50.00", refundable: "$100.00", pending: "$60.00", available: "$40.00" }));
    // Without a reason, the form says what may still be asked for.
    expect(refused).toContain(en("refunds.form.intro", { available: "$40.00" }));
    expect(await snapshot(services)).toEqual(held);
    expect(lastRefundNo(pending)).toMatch(/^RF-/);

    // Bonus, trial and promo are never refundable: an account holding only them has nothing to ask for.
    const trialOnly = await createTestServices({ env: { TRIAL_STAGE1_USD: "1" } });
    try {
      const nothing = await runConsole(trialOnly, ['refund "give me my trial"'], as("eve"));
      expect(nothing).toContain(en("refunds.errors.nothing_refundable"));
      expect(await trialOnly.prisma.refundRequest.count()).toBe(0);
      expect(await buckets(trialOnly, await accountOf(trialOnly, "eve"))).toEqual({ trial: 1n * USD });
    } finally {
      await trialOnly.db.close();
    }
    expect(accountId).toBeTruthy();
    await expectReconciled(services);
  });

  it("an approval above what is refundable now (principal spent since) is refused and writes nothing; Reject tells the customer why", async () => {
    await confirmedTopup(services, "fay", 100);
    const accountId = await accountOf(services, "fay");
    const asked = await runConsole(services, ['refund 60 "not needed"'], as("fay"));
    const refundNo = lastRefundNo(asked);
    await spend(services, accountId, 80n * USD); // bonus 20 → 0, principal 100 → 40
    const before = await snapshot(services);
    const approve = await runConsole(services, ["/as support", `refund-approve ${refundNo} 0xabc0000000000000000000000000000000000000000000000000000000000001`], as("fay"));
    expect(approve).toContain(en("refunds.errors.approve_above_refundable", { refund: refundNo, amount: "$60.00", refundable: "$40.00" }));
    expect(await snapshot(services)).toEqual(before);
    expect(await services.prisma.auditLog.count({ where: { action: "refund.approve", outcome: "refused:above_refundable", accountId } })).toBe(1);

    const reject = await runConsole(services, ["/as support", `refund-reject ${refundNo}`, "You have used most of the credit since."], as("fay"));
    expect(reject).toContain(en("refunds.rejected", { refund: refundNo }));
    expect(await services.prisma.refundRequest.findFirstOrThrow({ where: { seq: Number(refundNo.slice(3)) } })).toMatchObject({ status: "rejected", rejectReason: "You have used most of the credit since." });
    expect(await lastDm("fay")).toBe(en("refunds.dm.rejected", { refund: refundNo, reason: "You have used most of the credit since.", accountId }));
    expect(await services.prisma.auditLog.count({ where: { action: "refund.reject", outcome: "ok", accountId } })).toBe(1);
    const again = await runConsole(services, ["/as support", `refund-approve ${refundNo} 0xabc0000000000000000000000000000000000000000000000000000000000002`], as("fay"));
    expect(again).toContain(en("refunds.errors.already_rejected", { refund: refundNo, by: "sam" }));
    expect(await entriesOf(accountId)).toEqual([]);
    await expectReconciled(services);
  });

  it("a second approval, a reused payment reference, a customer, and the support member's own account are each refused and recorded", async () => {
    await confirmedTopup(services, "gus", 100);
    const accountId = await accountOf(services, "gus");
    const one = lastRefundNo(await runConsole(services, ['refund 10 "one"'], as("gus")));
    const two = lastRefundNo(await runConsole(services, ['refund 10 "two"'], as("gus")));
    const out = await runConsole(
      services,
      ["/as support", `refund-approve ${one} BANK-REF-0001`, `refund-approve ${one} BANK-REF-0002`, `refund-approve ${two} "bank ref 0001"`, "/as customer", `refund-approve ${two} BANK-REF-0003`],
      as("gus"),
    );
    expect(out).toContain(en("refunds.approved", { refund: one, principal: "$10.00", bonus: "$2.00", due: "$2.00" }));
    expect(out).toContain(en("refunds.errors.already_approved", { refund: one, by: "sam" }));
    // The same bank reference, typed differently, is one payment: it is never recorded for two refunds.
    expect(out).toContain(en("refunds.errors.reference_used", { refund: one }));
    expect(out).toContain(translate("en", "errors.not_support"));
    expect((await entriesOf(accountId)).map((e) => [e.type, e.amount])).toEqual([
      ["refund", -10n * USD],
      ["bonus_reversal", -2n * USD],
    ]);
    const refusals = await services.prisma.auditLog.findMany({ where: { action: "refund.approve", outcome: { startsWith: "refused:" } }, orderBy: { id: "asc" } });
    expect(refusals.slice(-3).map((r) => r.outcome)).toEqual(["refused:status_approved", "refused:reference_used", "refused:not_support"]);

    // A support member who is also a customer cannot decide their own request.
    await confirmedTopup(services, "sam", 20, "tess");
    const own = lastRefundNo(await runConsole(services, ['refund 5 "mine"'], as("sam")));
    const ownTry = await runConsole(services, ["/as support", `refund-approve ${own} BANK-REF-OWN-1`, `refund-reject ${own} "no"`], as("sam"));
    expect(ownTry.match(new RegExp(translate("en", "errors.own_order").replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g"))).toHaveLength(2);
    expect(await services.prisma.refundRequest.findFirstOrThrow({ where: { seq: Number(own.slice(3)) } })).toMatchObject({ status: "pending" });
    expect(await services.prisma.auditLog.count({ where: { action: { in: ["refund.approve", "refund.reject"] }, outcome: "refused:own_account" } })).toBe(2);
    await expectReconciled(services);
  });

  it("a suspended account cannot ask for a refund, by command or form, and nothing is written", async () => {
    await confirmedTopup(services, "hal", 100);
    const accountId = await accountOf(services, "hal");
    await services.prisma.account.update({ where: { id: accountId }, data: { status: "suspended" } });
    const before = await snapshot(services);
    const out = await runConsole(services, ['refund 10 "please"', "refund"], as("hal"));
    expect(out.split(en("refunds.errors.account_suspended")).length - 1).toBe(2);
    expect(await snapshot(services)).toEqual(before);
  });

  it("in Simplified Chinese: the request, the card's answer and the customer's message", async () => {
    await confirmedTopup(services, "li", 100);
    const accountId = await accountOf(services, "li");
    const out = await runConsole(services, ["/lang zh-CN", 'refund 20 "不再需要"', "/as support", "/lang en", "1", "0xbeef000000000000000000000000000000000000000000000000000000000001"], as("li"));
    const refundNo = lastRefundNo(out);
    expect(out).toContain(translate("zh-CN", "refunds.requested", { refund: refundNo, amount: "$20.00" }));
    expect(out).toContain(translate("zh-CN", "refunds.requested_bonus", { bonus: "$4.00" }));
    const dm = await lastDm("li");
    expect(dm).toContain(translate("zh-CN", "refunds.dm.approved", { refund: refundNo, principal: "$20.00", reference: "0xbeef000000000000000000000000000000000000000000000000000000000001" }));
    expect(dm).toContain(translate("zh-CN", "refunds.dm.bonus_reversed", { bonus: "$4.00" }));
    expect(await buckets(services, accountId)).toEqual({ principal: 80n * USD, bonus: 16n * USD });
    expect(formatUsd(80n * USD)).toBe("$80.00");
    await expectReconciled(services);
  });
});
