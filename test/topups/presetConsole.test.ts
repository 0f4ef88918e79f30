import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatDecimal, formatUsd } from "../../src/ledger/money.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import type { Services } from "../../src/services.ts";
import { lastOrderNo, runConsole } from "../helpers/consoleScript.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";
import { pricingMethods } from "./pricingMethods.ts";

const dir = mkdtempSync(path.join(tmpdir(), "cd-presets-"));
const png = path.join(dir, "pay.png");
writeFileSync(png, PNG_BYTES);
const hash = (n: number) => "0x" + n.toString(16).padStart(64, "0");

let services: Services;
afterEach(async () => {
  await services?.db.close();
});

async function start() {
  services = await createTestServices({ methods: pricingMethods(), env: { TRIAL_STAGE1_USD: "0" } });
}

async function counts() {
  const p = services.prisma;
  return { orders: await p.topupOrder.count(), entries: await p.ledgerEntry.count(), postings: await p.posting.count(), outbox: await p.outboxMessage.count() };
}

async function entriesOf(orderNo: string) {
  const order = await services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
  const entries = await services.prisma.ledgerEntry.findMany({ where: { accountId: order.accountId }, orderBy: { id: "asc" } });
  return { order, entries: entries.map((e) => [e.type, e.bucket, e.amount]) };
}

describe("preset tiers with a volume discount, through the console", () => {
  it("the $200 tier at 10%: a confirmation first (original, discount, final), then 180 USDT plus the suffix; credited $180 + suffix principal and $20 bonus", async () => {
    await start();
    const out = await runConsole(services, ["topup usdt-x preset:200"]);
    // The confirmation: nothing is ordered yet.
    expect(out).toContain("Original amount: $200.00");
    expect(out).toContain("Discount: −$20.00 (10%)");
    expect(out).toContain("Final amount to pay: 180 USDT");
    expect(out).toContain("Credit you get: $200.00 ($180.00 + $20.00 bonus)");
    expect(out).toContain("[1] Confirm and get instructions");
    expect(out).toContain("[2] Go back");
    expect(await services.prisma.topupOrder.count()).toBe(0);

    const confirmed = await runConsole(services, ["topup usdt-x preset:200", "1", "1", hash(0x200), png]);
    const { order } = await entriesOf(lastOrderNo(confirmed));
    // The unique amount is allocated on the final price: 180 plus a suffix, never the tier's 200.
    expect(order.requestedAmount).toBe(180_000_000n);
    expect(order.presetAmount).toBe(200_000_000n);
    expect(order.discountAmount).toBe(20_000_000n);
    const paid = order.instructedAmount;
    expect(paid > 180_000_000n && paid <= 180_099_900n && paid % 100n === 0n).toBe(true);
    expect(confirmed).toContain(`Send exactly ${formatDecimal(paid, 0)} USDT`);
    expect(confirmed).toContain(`${formatDecimal(paid, 0)} USDT → ${formatDecimal(paid + 20_000_000n, 0)} USD of credit: ${formatDecimal(paid, 0)} principal + 20 bonus.`);
    // The support card shows the tier and its discount beside the amount asked.
    expect(confirmed).toContain("Requested: $180.00");
    expect(confirmed).toContain("Preset: $200.00, $20.00 discount credited as bonus");

    const decided = await runConsole(services, ["/as support", `confirm ${order.orderNo}`, "/as customer", "balance"]);
    const { entries } = await entriesOf(order.orderNo);
    expect(entries).toEqual([
      ["usdt_topup", "principal", paid],
      ["topup_bonus", "bonus", 20_000_000n],
    ]);
    expect(decided).toContain(`✅ Your top-up ${order.orderNo} is confirmed: ${formatUsd(paid)} + $20.00 bonus = ${formatUsd(paid + 20_000_000n)} added to your balance. The bonus includes the $20.00 discount of the $200.00 preset.`);
    const after = await services.prisma.topupOrder.findUniqueOrThrow({ where: { id: order.id } });
    expect([after.confirmedPrincipal, after.confirmedBonus]).toEqual([paid, 20_000_000n]);
    const audit = await services.prisma.auditLog.findFirstOrThrow({ where: { orderId: order.id, action: "topup.confirm" } });
    expect(audit.detail).toMatchObject({ principal: paid.toString(), bonus: "20000000", discount: "20000000", preset: "200000000" });
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });

  it("Back opens the form again with the method kept; the form offers the method's tiers beside the free amount", async () => {
    await start();
    const out = await runConsole(services, ["topup usdt-x preset:200", "2", "", "", "4"]);
    expect(out).toContain("1) 50 — $50.00: pay 47.5 USDT (5% off)");
    expect(out).toContain("3) 200 — $200.00: pay 180 USDT (10% off)");
    expect(out).toContain("5) 1000 — $1,000.00: pay 800 USDT (20% off)");
    // The select was answered "4": the $500 tier at 15%, confirmed before anything is ordered.
    expect(out).toContain("Original amount: $500.00");
    expect(out).toContain("Final amount to pay: 425 USDT");
    expect(await services.prisma.topupOrder.count()).toBe(0);
  });

  it("a free amount on a method with discounted tiers earns no discount and needs no confirmation", async () => {
    await start();
    const out = await runConsole(services, ["topup usdt-x 200"]);
    const { order } = await entriesOf(lastOrderNo(out));
    expect([order.requestedAmount, order.presetAmount, order.discountAmount]).toEqual([200_000_000n, null, null]);
    expect(out).toContain(`${formatDecimal(order.instructedAmount, 0)} USDT → ${formatDecimal(order.instructedAmount, 0)} USD of credit.`);
  });

  it("support crediting less than the tier's price credits no discount: the customer paid for a smaller top-up", async () => {
    await start();
    const out = await runConsole(services, ["topup usdt-x preset:200", "1", "1", hash(0x201), png]);
    const orderNo = lastOrderNo(out);
    await runConsole(services, ["/as support", `confirm ${orderNo} 150`]);
    expect((await entriesOf(orderNo)).entries).toEqual([["usdt_topup", "principal", 150_000_000n]]);
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });

  it("bad tier requests get a clear message and write nothing", async () => {
    await start();
    await runConsole(services, ["balance"]);
    const before = await counts();
    const out = await runConsole(services, ["topup usdt-x preset:300", "topup trc20 preset:200", "topup usdt-x 50 preset:200", "topup usdt-x preset:abc", "topup usdt-x preset:-200"]);
    expect(out).toContain("⚠️ USDT on Arbitrum has no $300.00 preset. Its presets: $50.00, $100.00, $200.00, $500.00, $1,000.00.");
    expect(out).toContain("⚠️ USDT on TRON (TRC20) has no preset amounts: type the amount you want instead.");
    expect(out).toContain("⚠️ Choose a preset or type an amount, not both.");
    expect(out).toContain("⚠️ “abc” is not an amount.");
    expect(out).toContain("⚠️ The amount must be positive.");
    expect(await counts()).toEqual(before);
  });
});
