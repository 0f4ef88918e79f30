import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { translatePlain } from "../../src/core/markup.ts";
import type { Services } from "../../src/services.ts";
import { lastOrderNo, runConsole } from "../helpers/consoleScript.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";
import { auditRows, bucketsOf, expectReconciled, USD, written } from "./helpers.ts";

/**
 * The support tools end to end through the console: commands typed by support members "sam" and
 * "sue", cards printed by the real outbox, buttons clicked by number, on a real database.
 */
const dir = mkdtempSync(path.join(tmpdir(), "cd-support-"));
const png = path.join(dir, "pay.png");
writeFileSync(png, PNG_BYTES);

let services: Services;
let alice: string;
const en = (key: string, params?: Record<string, string | number>) => translate("en", key, params);

const asSam = (lines: string[]) => runConsole(services, ["/as support sam", ...lines]);
const asSue = (lines: string[]) => runConsole(services, ["/as support sue", ...lines]);

beforeAll(async () => {
  services = await createTestServices({ env: { TRIAL_STAGE1_USD: "1", TRIAL_STAGE2_USD: "2", ADJUST_APPROVAL_USD: "100" } });
  await runConsole(services, ["balance"]);
  alice = (await services.prisma.chatIdentity.findFirstOrThrow({ where: { platform: "console", userId: "alice" } })).accountId;
});
afterAll(async () => {
  await services?.db.close();
});

describe("account <who>", () => {
  it("finds the account by user, account id, order number and transaction hash, and shows status, buckets, orders, entries and identities", async () => {
    const order = lastOrderNo(await runConsole(services, ["topup erc20 20"]));
    const hash = "0x" + "ab".repeat(32);
    expect(await runConsole(services, [`proof ${order} ${hash} ${png}`])).toContain("We received the proof");

    for (const query of ["alice", "<@alice>", alice.toUpperCase(), order, order.toLowerCase(), hash, hash.slice(2).toUpperCase()]) {
      const out = await asSam([`account ${query}`]);
      expect(out, query).toContain(`== ${en("support_tools.account.title", { id: alice })} ==`);
      expect(out).toContain(en("support_tools.account.status_active"));
      expect(out).toContain("Trial: $1.00");
      expect(out).toContain("Chat users: console:alice (alice)");
      expect(out).toContain(`${order} · $20.00 · Waiting for review`);
      expect(out).toContain("Trial credit · Trial $1.00 → $1.00 · trial-stage-1");
      if (query === order || query === hash) expect(out).toContain(en("support_tools.account.found_by_order", { order }));
    }
    // Each lookup is a support action, in the audit log with what was asked.
    const lookups = await auditRows(services, { action: "account.lookup", accountId: alice });
    expect(lookups.length).toBeGreaterThanOrEqual(7);
    expect(lookups.at(-1)).toMatchObject({ actorId: "sam", outcome: "ok", detail: { query: hash.slice(2).toUpperCase(), via: "tx_hash" } });
  });

  it("says clearly when nothing matches, and when a customer asks", async () => {
    expect(await asSam(["account nobody"])).toContain(`⚠️ ${en("support_tools.errors.not_found", { query: "nobody" })}`);
    expect(await asSam(["account CD-999999"])).toContain(`⚠️ ${en("support_tools.errors.not_found", { query: "CD-999999" })}`);
    expect(await runConsole(services, ["account alice"])).toContain(`⚠️ ${en("errors.not_support")}`);
  });
});

describe("adjust", () => {
  it("within ADJUST_APPROVAL_USD: written at once, with its reason in the entry, the request and the audit log", async () => {
    const before = await bucketsOf(services, alice);
    const out = await asSam([`adjust alice +25 principal "goodwill for the outage"`]);
    expect(out).toMatch(/✅ Adjustment ADJ-\d{6} written: \$25\.00 to the Principal bucket/);
    expect((await bucketsOf(services, alice)).principal ?? 0n).toBe((before.principal ?? 0n) + 25n * USD);
    const entry = await services.prisma.ledgerEntry.findFirstOrThrow({ where: { accountId: alice, type: "admin_adjustment" }, orderBy: { id: "desc" } });
    expect(entry).toMatchObject({ bucket: "principal", amount: 25n * USD, actorType: "support", actorId: "sam", memo: "goodwill for the outage" });
    const request = await services.prisma.adjustmentRequest.findFirstOrThrow({ where: { postingId: entry.postingId } });
    expect(request).toMatchObject({ status: "applied", reason: "goodwill for the outage", requestedById: "sam", decidedById: "sam" });
    const [audit] = (await auditRows(services, { action: "adjustment.request", accountId: alice })).slice(-1);
    expect(audit).toMatchObject({ actorId: "sam", outcome: "ok", detail: { amount: "25000000", bucket: "principal", reason: "goodwill for the outage", status: "applied" } });
    await expectReconciled(services);
  });

  const badInputs: [string, string, string][] = [
    ["no reason", "adjust alice 5 principal", en("support_tools.errors.reason_required")],
    ["a blank reason", `adjust alice 5 principal "   "`, en("support_tools.errors.reason_required")],
    // The console prints `code` as its plain words.
    ["an unknown bucket", `adjust alice 5 savings "x"`, translatePlain("en", "support_tools.errors.bucket")],
    ["an amount that is not one", `adjust alice 5e3 principal "x"`, en("errors.amount_format", { value: "5e3" })],
    ["zero", `adjust alice -0 principal "x"`, en("errors.amount_zero")],
    ["seven decimals", `adjust alice 1.0000001 principal "x"`, en("errors.amount_decimals", { max: 6 })],
    ["more than a million", `adjust alice 1000001 principal "x"`, en("support_tools.errors.amount_too_large", { max: "$1,000,000" })],
    ["an unknown account", `adjust ghost 5 principal "x"`, en("support_tools.errors.not_found", { query: "ghost" })],
  ];
  for (const [name, line, message] of badInputs) {
    it(`refuses ${name} with its own message and writes nothing`, async () => {
      const before = await written(services);
      expect(await asSam([line])).toContain(`⚠️ ${message}`);
      expect(await written(services)).toEqual(before);
    });
  }

  it("a debit may not take a bucket below zero: the ledger refuses, the message says what the bucket holds, nothing is written", async () => {
    const before = await written(services);
    const promo = (await bucketsOf(services, alice)).promo ?? 0n;
    const out = await asSam([`adjust alice -50 promo "reverse a voucher"`]);
    expect(out).toContain(`⚠️ ${en("support_tools.errors.below_zero", { bucket: "promo", balance: `$${Number(promo / USD).toFixed(2)}`, amount: "-$50.00" })}`);
    expect(await written(services)).toEqual(before);
    expect((await auditRows(services, { outcome: "refused:below_zero", accountId: alice })).length).toBeGreaterThan(0);
    await expectReconciled(services);
  });

  it("above the threshold: stored, carded, not written until a second member approves; the requester's own approval is refused and recorded", async () => {
    const entriesBefore = await services.prisma.ledgerEntry.count();
    const principalBefore = (await bucketsOf(services, alice)).principal ?? 0n;

    const balancesBefore = (await written(services)).balances;
    // Sam asks; the card is printed; Sam clicks its Approve himself.
    const asked = await asSam([`adjust alice +150 principal "refund of the double charge"`, "1", "y"]);
    const no = /⏳ Adjustment (ADJ-\d{6}) of \$150\.00 \(Principal\)/.exec(asked)?.[1];
    expect(no, asked).toBeDefined();
    expect(asked).toContain("🛎  [support channel] new card");
    expect(asked).toContain(`== Adjustment ${no} ==`);
    expect(asked).toContain(en("support_tools.card.four_eyes", { threshold: "$100.00" }));
    expect(asked).toMatch(/\[1\] Approve\n\s+\[2\] Decline/);
    expect(asked).toContain(`⚠️ ${en("support_tools.errors.own_request", { adjustment: no! })}`);
    expect(asked).not.toContain("card updated");
    expect(await services.prisma.ledgerEntry.count()).toBe(entriesBefore);
    expect((await written(services)).balances).toEqual(balancesBefore);
    expect(await services.prisma.adjustmentRequest.findFirstOrThrow({ where: { seq: Number(no!.slice(4)) } })).toMatchObject({ status: "pending", postingId: null });
    const refusals = await auditRows(services, { action: "adjustment.approve", outcome: "refused:own_request" });
    expect(refusals.at(-1)).toMatchObject({ actorId: "sam", accountId: alice, detail: { adjustment: no } });

    // Typed rather than clicked, it is refused all the same.
    const before = await written(services);
    expect(await asSam([`adjust-decide ${no} approve`])).toContain(`⚠️ ${en("support_tools.errors.own_request", { adjustment: no! })}`);
    expect(await written(services)).toEqual(before);

    // Sue approves from the card: written once, the card edited in place.
    const approved = await runConsole(services, ["/as support sam", `adjust alice +101 bonus "second card"`, "/as support sue", "1", "y"]);
    expect(approved).toContain("✅ Adjustment");
    expect(approved).toContain("🛎  [support channel] card updated");
    expect(approved).toContain(en("support_tools.card.outcome_approved", { by: "sue", amount: "$101.00", bucket: "Bonus" }));
    // And from the command, the first request.
    const first = await asSue([`adjust-decide ${no} approve`]);
    expect(first).toContain(`✅ ${en("support_tools.grant.approved", { type: "Adjustment", adjustment: no!, amount: "$150.00", bucket: "Principal", account: alice, after: `$${Number((principalBefore + 150n * USD) / USD).toFixed(2)}` })}`);
    expect((await bucketsOf(services, alice)).principal).toBe(principalBefore + 150n * USD);
    const entries = await services.prisma.ledgerEntry.findMany({ where: { reference: no! } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ type: "admin_adjustment", bucket: "principal", amount: 150n * USD, actorId: "sam", memo: "refund of the double charge" });
    expect(await services.prisma.adjustmentRequest.findFirstOrThrow({ where: { seq: Number(no!.slice(4)) } })).toMatchObject({ status: "approved", decidedById: "sue", postingId: entries[0].postingId });

    // A second approval writes nothing more.
    const again = await asSue([`adjust-decide ${no} approve`]);
    expect(again).toContain(`⚠️ ${en("support_tools.errors.already_approved", { adjustment: no!, by: "sue" })}`);
    expect(await services.prisma.ledgerEntry.count({ where: { reference: no! } })).toBe(1);
    await expectReconciled(services);
  });

  it("a declined request writes nothing, and cannot be approved afterwards", async () => {
    const before = await written(services);
    // One session: Sam asks, the card is printed, Sue clicks its Decline.
    const declined = await asSam([`adjust alice -120 principal "chargeback"`, "/as support sue", "2"]);
    const no = /Adjustment (ADJ-\d{6}) of -\$120\.00/.exec(declined)![1];
    expect(declined).toContain(en("support_tools.grant.declined", { type: "Adjustment", adjustment: no, account: alice }));
    expect(declined).toContain(en("support_tools.card.outcome_declined", { by: "sue" }));
    const after = await written(services);
    expect(after.entries).toBe(before.entries);
    expect(after.postings).toBe(before.postings);
    expect(after.balances).toEqual(before.balances);
    expect(after.adjustments.find((a) => a.seq === Number(no.slice(4)))).toMatchObject({ status: "declined", postingId: null });
    expect(await asSue([`adjust-decide ${no} approve`])).toContain(`⚠️ ${en("support_tools.errors.already_declined", { adjustment: no, by: "sue" })}`);
    expect(await services.prisma.ledgerEntry.count({ where: { reference: no } })).toBe(0);
    await expectReconciled(services);
  });

  it("a debit the bucket can pay when asked but not when approved is refused by the ledger at approval, and stays waiting", async () => {
    const principal = (await bucketsOf(services, alice)).principal!;
    const asked = await asSam([`adjust alice -${Number(principal / USD)} principal "close the account"`]);
    const no = /Adjustment (ADJ-\d{6})/.exec(asked)![1];
    expect(await asSam([`adjust alice -10 principal "fee"`])).toContain("✅");
    const before = await written(services);
    const out = await asSue([`adjust-decide ${no} approve`]);
    expect(out).toContain(`⚠️ ${en("support_tools.errors.below_zero", { bucket: "principal", balance: `$${Number((principal - 10n * USD) / USD).toFixed(2)}`, amount: `-$${Number(principal / USD).toFixed(2)}` })}`);
    expect(await written(services)).toEqual(before);
    expect((await services.prisma.adjustmentRequest.findFirstOrThrow({ where: { seq: Number(no.slice(4)) } })).status).toBe("pending");
    // A debit larger than the bucket is refused at once, without bothering a second member.
    const tooBig = await asSam([`adjust alice -100000 principal "typo"`]);
    expect(tooBig).toContain("⚠️ Not written: the principal bucket holds");
    expect(tooBig).not.toContain("new card");
    expect(await asSue([`adjust-decide ${no} decline`])).toContain("declined");
    await expectReconciled(services);
  });
});

describe("voucher", () => {
  it("credits the promo bucket with a voucher entry; a reason is required", async () => {
    const promo = (await bucketsOf(services, alice)).promo ?? 0n;
    expect(await asSam([`voucher alice 7.5 "outage on 28 Nov"`])).toMatch(/✅ Voucher ADJ-\d{6} written: \$7\.50 to the Promo bucket/);
    expect((await bucketsOf(services, alice)).promo).toBe(promo + 7_500_000n);
    expect(await services.prisma.ledgerEntry.findFirstOrThrow({ where: { accountId: alice, type: "voucher" }, orderBy: { id: "desc" } })).toMatchObject({ bucket: "promo", amount: 7_500_000n, memo: "outage on 28 Nov" });

    const before = await written(services);
    expect(await asSam(["voucher alice 5"])).toContain(`⚠️ ${en("support_tools.errors.reason_required")}`);
    expect(await asSam([`voucher alice -5 "x"`])).toContain(`⚠️ ${en("errors.amount_negative")}`);
    expect(await written(services)).toEqual(before);
    await expectReconciled(services);
  });

  it("by someone who is not support: dispatch refuses, records who tried and what they named, and nothing is written", async () => {
    const before = await written(services);
    const out = await runConsole(services, [`voucher alice 500 "i deserve it"`], { customer: "mallory", support: "sam" });
    expect(out).toContain(`⚠️ ${en("errors.not_support")}`);
    expect(await written(services)).toEqual(before);
    const [row] = await auditRows(services, { action: "voucher.grant", outcome: "refused:not_support" });
    expect(row).toMatchObject({ actorType: "customer", actorId: "mallory", platform: "console", detail: { account: "alice", amount: "500", reason: "i deserve it" } });
  });
});

describe("trial", () => {
  it("grants stage 2 once; a second grant is refused with when it was granted, and writes nothing", async () => {
    const trial = (await bucketsOf(services, alice)).trial ?? 0n;
    expect(await asSam(["trial alice"])).toContain("✅ Trial stage 2 granted: $2.00 of trial credit");
    expect((await bucketsOf(services, alice)).trial).toBe(trial + 2n * USD);
    const before = await written(services);
    const again = await asSue(["trial alice"]);
    expect(again).toMatch(/⚠️ Trial stage 2 was already granted to this account \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
    expect(await written(services)).toEqual(before);
    expect(await auditRows(services, { action: "trial.grant", accountId: alice })).toMatchObject([
      { actorId: "sam", outcome: "ok", detail: { stage: 2, amount: "2000000" } },
      { actorId: "sue", outcome: "refused:trial_granted" },
    ]);
    await expectReconciled(services);
  });
});

describe("suspend and unsuspend", () => {
  it("a suspended account cannot top up (nothing written); the lookup says who suspended it and why; unsuspend lifts it", async () => {
    expect(await asSam(["suspend alice"])).toContain(`⚠️ ${en("support_tools.errors.reason_required")}`);
    expect(await asSam([`suspend alice "chargeback fraud"`])).toContain(en("support_tools.suspend.done", { account: alice }));
    expect((await services.prisma.account.findUniqueOrThrow({ where: { id: alice } })).status).toBe("suspended");
    expect(await asSue([`suspend alice "again"`])).toContain(`⚠️ ${en("support_tools.errors.already_suspended")}`);
    expect(await asSue(["account alice"])).toMatch(/⛔ Status: suspended by sam on .* UTC\. Reason: chargeback fraud/);

    const before = await written(services);
    expect(await runConsole(services, ["topup trc20 10"])).toContain(`⚠️ ${en("errors.account_suspended")}`);
    expect(await written(services)).toEqual(before);

    expect(await asSue(["unsuspend alice"])).toContain(en("support_tools.unsuspend.done", { account: alice }));
    expect(await asSue(["unsuspend alice"])).toContain(`⚠️ ${en("support_tools.errors.not_suspended")}`);
    expect(await runConsole(services, ["topup trc20 10"])).toContain("Top-up order CD-");
    expect(await auditRows(services, { accountId: alice, outcome: "ok", action: "account.suspend" })).toMatchObject([{ actorId: "sam", detail: { reason: "chargeback fraud" } }]);
    expect(await auditRows(services, { accountId: alice, outcome: "ok", action: "account.unsuspend" })).toMatchObject([{ actorId: "sue" }]);
  });

  it("a support member never acts on their own account: refused and recorded", async () => {
    await runConsole(services, ["/as customer sam", "balance"]);
    const before = await written(services);
    for (const line of [`voucher sam 5 "mine"`, `adjust sam 5 principal "mine"`, "trial sam", `suspend sam "x"`]) {
      expect(await asSam([line]), line).toContain(`⚠️ ${en("support_tools.errors.own_account")}`);
    }
    expect(await written(services)).toEqual(before);
    expect((await auditRows(services, { actorId: "sam", outcome: "refused:own_account" })).map((r) => r.action)).toEqual([
      "voucher.grant",
      "adjustment.request",
      "trial.grant",
      "account.suspend",
    ]);
  });
});

describe("audit <account|order>", () => {
  it("pages the account's log newest first, ten rows a page, with buttons to older rows and back", async () => {
    // Enough rows for three full pages.
    while ((await services.prisma.auditLog.count({ where: { accountId: alice } })) <= 30) await asSue(["account alice"]);
    const ids = (await services.prisma.auditLog.findMany({ where: { accountId: alice }, orderBy: { id: "desc" }, select: { id: true } })).map((r) => r.id);
    const out = await asSam(["audit alice", "1", "1", "2"]);
    const pages = out.split(`== ${en("support_tools.audit.title_account", { id: alice })} ==`).slice(1);
    expect(pages.length).toBe(4);
    const rowIds = (page: string) => [...page.matchAll(/^#(\d+) · /gm)].map((m) => BigInt(m[1]));
    expect(rowIds(pages[0])).toEqual(ids.slice(0, 10));
    expect(rowIds(pages[1])).toEqual(ids.slice(10, 20));
    expect(rowIds(pages[2])).toEqual(ids.slice(20, 30));
    // "Newest" goes back to the first page (which now also holds the reads just recorded).
    expect(rowIds(pages[3])[0]).toBeGreaterThan(ids[0]);
    expect(pages[0]).toContain("[1] Older rows ▸");
    expect(pages[1]).toMatch(/\[1\] Older rows ▸\n\s+\[2\] ◂ Newest/);
    expect(out).toMatch(/ · sam \(console\) · account\.suspend · ok · “chargeback fraud”/);
  });

  it("shows an order's log, and says when there is nothing", async () => {
    const order = (await services.prisma.topupOrder.findFirstOrThrow({ where: { accountId: alice, status: "submitted" } })).orderNo;
    const out = await asSam([`audit ${order}`]);
    expect(out).toContain(`== ${en("support_tools.audit.title_order", { order })} ==`);
    expect(out).toMatch(/ · alice \(console\) · topup\.proof · ok/);
    const fresh = lastOrderNo(await runConsole(services, ["topup erc20 30"]));
    expect(await asSam([`audit ${fresh}`])).toContain(en("support_tools.audit.empty"));
  });
});
