import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { issueLinkCode } from "../../src/accounts/linkCodes.ts";
import { translate } from "../../src/i18n.ts";
import type { Services } from "../../src/services.ts";
import { runConsole } from "../helpers/consoleScript.ts";
import { createTestServices } from "../helpers/services.ts";
import { accountOf, codesIn, codesStoredInClear, columnsMatching, csvPathIn, csvRows, expectReconciled, failuresOf, USD, written } from "./fixtures.ts";

/**
 * Redemption codes end to end through the console: support's `codes`, the customer's `redeem`,
 * the ledger, on a real database (PGlite, and PostgreSQL in the postgres project). The clock is
 * frozen at the start of a failure window and moved by hand, so that windows and expiry are exact.
 */
const WINDOW_MS = 600_000;
const DAY_MS = 86_400_000;
let clock = new Date(Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS + 1000);
let services: Services;
beforeAll(async () => {
  services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" }, now: () => clock });
});
afterEach(async () => {
  await expectReconciled(services);
});
afterAll(async () => {
  await services?.db.close();
});

const en = (key: string, params: Record<string, string | number> = {}) => translate("en", key, params);
const as = (customer: string) => ({ customer, support: "sam" });

/** Support makes a batch through the console; returns its number, its codes as shown, and the console's output. */
async function makeBatch(args: string): Promise<{ batch: string; codes: string[]; out: string }> {
  const out = await runConsole(services, ["/as support", `codes create ${args}`], as("nobody"));
  const batch = /Batch (RC-\d{6}):/.exec(out)?.[1];
  if (!batch) throw new Error(`no batch made:\n${out}`);
  return { batch, codes: codesIn(out), out };
}

/** A customer's account, made by their first command. */
async function customer(name: string): Promise<string> {
  await runConsole(services, ["balance"], as(name));
  return accountOf(services, name);
}

async function promoOf(accountId: string): Promise<bigint> {
  const row = await services.prisma.balance.findUnique({ where: { accountId_bucket: { accountId, bucket: "promo" } } });
  return row?.amount ?? 0n;
}

/** Redeems and expects the refusal `key`: a clear message, nothing written but one counted failure (when it counts). */
async function expectRefused(name: string, code: string, key: string, params: Record<string, string | number> = {}, counts = true): Promise<void> {
  const accountId = await accountOf(services, name);
  const before = await written(services);
  const failures = await failuresOf(services, accountId);
  const out = await runConsole(services, [`redeem ${code}`], as(name));
  expect(out).toContain(`⚠️ ${en(key, params)}`);
  expect(await written(services)).toEqual(before);
  expect(await failuresOf(services, accountId)).toBe(failures + (counts ? 1 : 0));
}

describe("redemption codes through the console", () => {
  it("support makes a batch: the codes are shown once and are exactly the CSV's; the database holds none in clear; a customer redeems one into promo", async () => {
    const { batch, codes, out } = await makeBatch('5 3 30d 1 any "note=spring campaign"');
    expect(out).toContain(en("codes.created.title", { batch, count: 3, amount: "$5.00" }));
    expect(out).toContain(en("codes.created.shown_once"));
    expect(codes).toHaveLength(3);
    expect(new Set(codes).size).toBe(3);

    const rows = csvRows(readFileSync(csvPathIn(out, batch), "utf8"));
    expect(rows[0]).toEqual(["batch", "number", "code", "amount_usd", "uses_per_code", "expires_at", "eligibility"]);
    expect(rows.slice(1).map((r) => r[2])).toEqual(codes);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[3], r[4]])).toEqual([1, 2, 3].map((n) => [batch, String(n), "5.00", "1"]));

    const stored = await services.prisma.redemptionCode.findMany();
    expect(stored).toHaveLength(3);
    expect(stored.every((c) => /^[0-9a-f]{64}$/.test(c.codeHash))).toBe(true);
    expect(await codesStoredInClear(services, codes)).toEqual([]);
    // The search does find what is stored: the batch number is in the batch's audit row.
    expect(await columnsMatching(services, batch)).toContain("audit_log.detail");

    const ann = await customer("ann");
    const redeemed = await runConsole(services, [`redeem ${codes[0].toLowerCase().replace(/-/g, "")}`], as("ann"));
    expect(redeemed).toContain(en("codes.redeemed", { amount: "$5.00", batch, balance: "$5.00" }));
    expect(await promoOf(ann)).toBe(5n * USD);
    const entries = await services.prisma.ledgerEntry.findMany({ where: { accountId: ann } });
    expect(entries.map((e) => [e.type, e.bucket, e.amount, e.reference])).toEqual([["redemption_credit", "promo", 5n * USD, batch]]);
    expect(await failuresOf(services, ann)).toBe(0);

    const shown = await runConsole(services, ["/as support", `codes show ${batch}`], as("nobody"));
    expect(shown).toContain(`${en("codes.field.redeemed")}: ${en("codes.redeemed_of", { redeemed: 1, capacity: 3 })}`);
    expect(shown).toContain(`${en("codes.field.credited")}: $5.00`);
    expect(shown).toContain(`${en("codes.field.note")}: spring campaign`);
    await expectReconciled(services);
  });

  it("refuses, each with a clear message and nothing written: an expired code, a disabled batch, new-accounts-only to an old account, the same code twice, a used-up code, another's listed code, a suspended account", async () => {
    const bea = await customer("bea");
    const carl = await customer("carl");

    const soon = await makeBatch("2 1 1h");
    const disabled = await makeBatch("2 1");
    const forNew = await makeBatch("3 2 30d 1 new");
    const single = await makeBatch("4 1");
    const listed = await makeBatch(`6 1 30d 1 ${carl}`);
    const twice = await makeBatch("1 1 30d 5");

    const off = await runConsole(services, ["/as support", `codes disable ${disabled.batch}`], as("nobody"));
    expect(off).toContain(en("codes.disabled", { batch: disabled.batch, redeemed: 0 }));
    await expectRefused("bea", disabled.codes[0], "codes.errors.disabled");

    // An account is new for CODES_NEW_ACCOUNT_DAYS (7): one made today may redeem, bea cannot after 8 days.
    const dan = await customer("dan");
    expect(await runConsole(services, [`redeem ${forNew.codes[0]}`], as("dan"))).toContain(en("codes.redeemed", { amount: "$3.00", batch: forNew.batch, balance: "$3.00" }));
    expect(await promoOf(dan)).toBe(3n * USD);

    expect(await runConsole(services, [`redeem ${twice.codes[0]}`], as("bea"))).toContain(en("codes.redeemed", { amount: "$1.00", batch: twice.batch, balance: "$1.00" }));
    await expectRefused("bea", twice.codes[0], "codes.errors.already_redeemed");

    expect(await runConsole(services, [`redeem ${single.codes[0]}`], as("carl"))).toContain(en("codes.redeemed", { amount: "$4.00", batch: single.batch, balance: "$4.00" }));
    await expectRefused("bea", single.codes[0], "codes.errors.used_up");
    await expectRefused("bea", listed.codes[0], "codes.errors.not_listed");

    clock = new Date(clock.getTime() + 2 * 3_600_000);
    await expectRefused("bea", soon.codes[0], "codes.errors.expired", { date: new Date(clock.getTime() - 3_600_000).toISOString().slice(0, 10) });

    clock = new Date(clock.getTime() + 8 * DAY_MS);
    await expectRefused("bea", forNew.codes[1], "codes.errors.not_new", { days: 7 });

    // Suspended: refused with the suspension's message, and no guess counted.
    expect(await runConsole(services, ["/as support", `suspend ${carl} chargeback under review`], as("nobody"))).not.toContain("⚠️");
    await expectRefused("carl", listed.codes[0], "errors.account_suspended", {}, false);

    expect(await promoOf(bea)).toBe(1n * USD);
    await expectReconciled(services);
  });

  it("20 wrong codes in a row: each is told the code does not exist, then the account is slowed down, a good code included, until its window ends", async () => {
    clock = new Date(Math.ceil(clock.getTime() / WINDOW_MS) * WINDOW_MS + 1000);
    const good = await makeBatch("7 1");
    const eve = await customer("eve");
    const other = await customer("fay");
    const before = await written(services);

    const guesses = Array.from({ length: 20 }, (_, i) => `ABCD-EFGH-JKMN-${"23456789ABCDEFGHJKMNPQRSTUVWXYZ"[i]}PQR`);
    const out = await runConsole(services, guesses.map((g) => `redeem ${g}`), as("eve"));
    const answers = out.split("\n").filter((l) => l.startsWith("⚠️"));
    expect(answers).toEqual(Array(20).fill(`⚠️ ${en("codes.errors.unknown_code")}`));
    expect(await failuresOf(services, eve)).toBe(20);

    // The 21st try waits, even with a good code: guessing one right does not get through.
    expect(await runConsole(services, [`redeem ${good.codes[0]}`], as("eve"))).toContain(`⚠️ ${en("codes.errors.slow_down", { minutes: 10 })}`);
    // A typo in the shape is no guess: told so, not counted.
    expect(await runConsole(services, ["redeem ABCD-EFGH"], as("eve"))).toContain(en("codes.errors.code_format"));
    expect(await written(services)).toEqual(before);
    expect(await failuresOf(services, eve)).toBe(20);

    // Another account is not slowed down by eve's guesses.
    expect(await runConsole(services, ["redeem ABCD-EFGH-JKMN-PQRS"], as("fay"))).toContain(en("codes.errors.unknown_code"));
    expect(await failuresOf(services, other)).toBe(1);

    clock = new Date(clock.getTime() + 9 * 60_000);
    expect(await runConsole(services, [`redeem ${good.codes[0]}`], as("eve"))).toContain(en("codes.errors.slow_down", { minutes: 1 }));
    expect(await written(services)).toEqual(before);
    clock = new Date(clock.getTime() + 60_000);
    expect(await runConsole(services, [`redeem ${good.codes[0]}`], as("eve"))).toContain(en("codes.redeemed", { amount: "$7.00", batch: good.batch, balance: "$7.00" }));
    expect(await promoOf(eve)).toBe(7n * USD);
    await expectReconciled(services);
  });

  it("redeem's own rate limit: one chat user's 31st attempt in ten minutes is refused, typos included and a good code too, with nothing written", async () => {
    clock = new Date(Math.ceil(clock.getTime() / WINDOW_MS) * WINDOW_MS + 1000);
    const good = await makeBatch("8 1");
    const gil = await customer("gil");
    const before = await written(services);
    // Typos are not guesses (no failure is counted), so only the command's limit can stop these.
    const out = await runConsole(services, Array.from({ length: 30 }, (_, i) => `redeem ABCD-${i}`), as("gil"));
    expect(out.split("\n").filter((l) => l.startsWith("⚠️"))).toEqual(Array(30).fill(`⚠️ ${en("codes.errors.code_format")}`));
    expect(await failuresOf(services, gil)).toBe(0);

    expect(await runConsole(services, [`redeem ${good.codes[0]}`], as("gil"))).toContain(`⚠️ ${en("errors.rate_limited", { minutes: 10 })}`);
    expect(await written(services)).toEqual(before);
    expect(await promoOf(gil)).toBe(0n);

    clock = new Date(clock.getTime() + WINDOW_MS);
    expect(await runConsole(services, [`redeem ${good.codes[0]}`], as("gil"))).toContain(en("codes.redeemed", { amount: "$8.00", batch: good.batch, balance: "$8.00" }));
    await expectReconciled(services);
  });

  it("wrong codes count per account, not per chat user: 10 from each of two identities linked to one account, and the 21st try is slowed down", async () => {
    clock = new Date(Math.ceil(clock.getTime() / WINDOW_MS) * WINDOW_MS + 1000);
    const good = await makeBatch("6 1");
    const hal = await customer("hal");
    const { code: link } = await issueLinkCode(services.prisma, { accountId: hal, now: clock });
    expect(await runConsole(services, [`link ${link}`], as("hal-phone"))).not.toContain("⚠️");
    expect(await accountOf(services, "hal-phone")).toBe(hal);
    const before = await written(services);

    const wrong = (i: number) => `redeem ABCD-EFGH-JKMN-${"23456789ABCDEFGHJKMNPQRSTUVWXYZ"[i]}PQR`;
    await runConsole(services, Array.from({ length: 10 }, (_, i) => wrong(i)), as("hal"));
    await runConsole(services, Array.from({ length: 10 }, (_, i) => wrong(i + 10)), as("hal-phone"));
    expect(await failuresOf(services, hal)).toBe(20);
    expect(await runConsole(services, [`redeem ${good.codes[0]}`], as("hal-phone"))).toContain(`⚠️ ${en("codes.errors.slow_down", { minutes: 10 })}`);
    expect(await written(services)).toEqual(before);
    expect(await promoOf(hal)).toBe(0n);
  });

  it("bad batches are refused with the reason and nothing is made; the codes command is support's only", async () => {
    const before = await written(services);
    const batches = await services.prisma.redemptionBatch.count();
    for (const [args, key, params] of [
      ["", "codes.errors.amount_required", {}],
      ["0 5", "errors.amount_zero", {}],
      ["1001 5", "codes.errors.amount_max", { max: "$1,000.00" }],
      ["5 0", "codes.errors.count", { min: 1, max: 10000 }],
      ["5 10001", "codes.errors.count", { min: 1, max: 10000 }],
      ["5 2 yesterday", "codes.errors.expires", { value: "yesterday", max: 3650 }],
      ["5 2 2001-01-01", "codes.errors.expires", { value: "2001-01-01", max: 3650 }],
      ["5 2 30d 0", "codes.errors.uses", { min: 1, max: 100000 }],
      ["5 2 30d 1 somebody", "codes.errors.eligible", { value: "somebody", max: 100 }],
      ["5 2 30d 1 00000000-0000-4000-8000-000000000000", "codes.errors.unknown_accounts", { ids: "00000000-0000-4000-8000-000000000000" }],
    ] as const) {
      const out = await runConsole(services, ["/as support", `codes create ${args}`], as("nobody"));
      expect(out, args).toContain(`⚠️ ${en(key, params)}`);
    }
    expect(await runConsole(services, ["/as support", "codes frobnicate"], as("nobody"))).toContain(en("codes.errors.unknown_action", { action: "frobnicate" }));
    expect(await runConsole(services, ["/as support", "codes disable RC-999999"], as("nobody"))).toContain(en("codes.errors.batch_not_found", { batch: "RC-999999" }));
    expect(await runConsole(services, ["/as support", "codes show"], as("nobody"))).toContain(en("codes.errors.batch_required", { action: "show" }));
    expect(await services.prisma.redemptionBatch.count()).toBe(batches);
    expect(await written(services)).toEqual(before);

    // A customer typing it is refused by dispatch (and the attempt is in the audit log).
    const refused = await runConsole(services, ["codes create 100 100"], as("ann"));
    expect(refused).toContain(en("errors.not_support"));
    expect(await services.prisma.redemptionBatch.count()).toBe(batches);
    expect(await services.prisma.auditLog.count({ where: { action: "redemption_codes.manage", outcome: "refused:not_support" } })).toBe(1);
  });
});
