import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/index.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import type { Services } from "../../src/services.ts";
import { bufferOutput } from "../cli/io.ts";
import { lastOrderNo, runConsole } from "../helpers/consoleScript.ts";
import { findOrderById } from "../../src/topups/findOrder.ts";
import { orderCard } from "../../src/views/orderCard.ts";
import { createTestServices, PNG_BYTES, TEST_METHODS_JSON } from "../helpers/services.ts";
import { ALIPAY, USDT_X } from "./pricingMethods.ts";

const dir = mkdtempSync(path.join(tmpdir(), "cd-currency-"));
const png = path.join(dir, "pay.png");
writeFileSync(png, PNG_BYTES);

/** Alipay at 7.21 from the file, and WeChat in the same currency with no rate of its own. */
const METHODS_JSON = {
  ...TEST_METHODS_JSON,
  methods: [...TEST_METHODS_JSON.methods, USDT_X, ALIPAY, { ...ALIPAY, id: "wechat", label: { en: "WeChat Pay (CNY)", "zh-CN": "微信支付（人民币）" }, rate: undefined }],
};
const methodsFile = path.join(dir, "methods.json");
writeFileSync(methodsFile, JSON.stringify(METHODS_JSON));

let services: Services;
afterEach(async () => {
  await services?.db.close();
});

async function start() {
  services = await createTestServices({ methods: parseMethods(METHODS_JSON), env: { TRIAL_STAGE1_USD: "0", PAYMENT_METHODS_FILE: methodsFile } });
}

/** `credit-desk rate set …` on the same database, as support runs it. */
async function cli(...argv: string[]) {
  const stdout = bufferOutput();
  const stderr = bufferOutput();
  const status = await main(argv, { database: services.db, environment: { PAYMENT_METHODS_FILE: methodsFile }, stdout, stderr });
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

async function orderOf(out: string) {
  return services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo: lastOrderNo(out) } });
}

async function creditOf(orderId: string) {
  const order = await services.prisma.topupOrder.findUniqueOrThrow({ where: { id: orderId } });
  const entries = await services.prisma.ledgerEntry.findMany({ where: { accountId: order.accountId, reference: order.orderNo }, orderBy: { id: "asc" } });
  return entries.map((e) => [e.type, e.bucket, e.amount]);
}

describe("a method priced in yuan, through the console", () => {
  it("$10 at 7.21: confirm, pay ¥72.10, support sees both amounts, and exactly $10.00 is credited", async () => {
    await start();
    const out = await runConsole(services, ["topup alipay 10", "1", "1", "2088-0001-ALIPAY", png, "/as support"]);
    expect(out).toContain("Final amount to pay: ¥72.10");
    expect(out).toContain("Exchange rate: 7.21 CNY = 1 USD");
    expect(out).toContain("Pay ¥72.10 with Alipay (CNY).");
    expect(out).toContain("¥72.10 → $10.00 of credit.");
    const order = await orderOf(out);
    expect(order).toMatchObject({ currency: "CNY", payAmount: 72_100_000n, fxRate: 7_210_000n, requestedAmount: 10_000_000n, instructedAmount: 10_000_000n });
    // The support card: the USD asked and the yuan to receive, at the order's rate.
    expect(out).toContain("Requested: $10.00");
    expect(out).toContain("To receive (CNY): ¥72.10");
    expect(out).toContain("Order's rate: 7.21 CNY = 1 USD");

    const decided = await runConsole(services, ["/as support", `confirm ${order.orderNo}`]);
    expect(await creditOf(order.id)).toEqual([["usdt_topup", "principal", 10_000_000n]]);
    expect(decided).toContain(`✅ Your top-up ${order.orderNo} is confirmed: $10.00 + $0.00 bonus = $10.00 added to your balance. You paid ¥72.10 at 7.21 CNY per USD.`);
    const entry = await services.prisma.ledgerEntry.findFirstOrThrow({ where: { reference: order.orderNo } });
    expect(entry.memo).toBe(`Top-up ${order.orderNo} via alipay (paid ¥72.10 at 7.21 CNY/USD)`);
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });

  it("the order's stored rate wins over a later change: the old order pays ¥72.10 and credits $10.00, a new one is priced at the new rate", async () => {
    await start();
    const first = await runConsole(services, ["topup alipay 10", "1", "1", "2088-0002-ALIPAY", png]);
    const old = await orderOf(first);

    const set = await cli("rate", "set", "CNY", "7.5");
    expect(set.status).toBe(0);
    expect(set.stdout).toBe("CNY: 7.5 per USD (was not set: the payment methods file's 7.21 was in force)\n");

    // The card drawn after the change still shows the order's own rate and amount.
    const card = JSON.stringify(orderCard((await findOrderById(services.prisma, old.id))!, { methods: services.methods, locale: "en" }).blocks);
    expect(card).toContain('"value":"¥72.10"');
    expect(card).toContain('"value":"7.21 CNY = 1 USD"');
    expect(card).toContain("will be credited $10.00 + $0.00 bonus");
    await runConsole(services, ["/as support", `confirm ${old.orderNo}`]);
    expect(await creditOf(old.id)).toEqual([["usdt_topup", "principal", 10_000_000n]]);

    // New orders: the database's rate wins over the file's 7.21.
    const second = await runConsole(services, ["topup alipay 10", "1"]);
    expect(second).toContain("Pay ¥75.00 with Alipay (CNY).");
    expect(await orderOf(second)).toMatchObject({ payAmount: 75_000_000n, fxRate: 7_500_000n });
    expect(await services.prisma.topupOrder.findUniqueOrThrow({ where: { id: old.id } })).toMatchObject({ payAmount: 72_100_000n, fxRate: 7_210_000n });
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });

  it("a confirmation accepted at a rate no longer in force is shown again at the new rate, and orders nothing", async () => {
    await start();
    const quoted = await runConsole(services, ["topup alipay 10"]);
    expect(quoted).toContain("¥72.10");
    expect((await cli("rate", "set", "CNY", "8")).status).toBe(0);
    // The Confirm button of the first confirmation carries the rate it showed (7.21).
    const stale = await runConsole(services, ["topup alipay 10 confirm=7210000"]);
    expect(stale).toContain("⚠️ The exchange rate changed since you looked: here is the new amount.");
    expect(stale).toContain("Final amount to pay: ¥80.00");
    expect(await services.prisma.topupOrder.count()).toBe(0);
    const accepted = await runConsole(services, ["topup alipay 10", "1"]);
    expect(await orderOf(accepted)).toMatchObject({ payAmount: 80_000_000n, fxRate: 8_000_000n });
  });

  it("yuan typed by the customer is what they pay: ¥500 at 7.21 credits $69.348127 (rounded down)", async () => {
    await start();
    const out = await runConsole(services, ["topup alipay ¥500", "1", "1", "2088-0003-ALIPAY", png]);
    expect(out).toContain("Final amount to pay: ¥500.00");
    expect(out).toContain("Credit you get: $69.348127");
    const order = await orderOf(out);
    await runConsole(services, ["/as support", `confirm ${order.orderNo}`]);
    expect(await creditOf(order.id)).toEqual([["usdt_topup", "principal", 69_348_127n]]);
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });

  it("a preset on a yuan method: ¥1,297.80 for the $200 tier, credited $180 principal + $20 bonus", async () => {
    await start();
    const out = await runConsole(services, ["topup alipay preset:200", "1", "1", "2088-0004-ALIPAY", png]);
    expect(out).toContain("Final amount to pay: ¥1,297.80");
    const order = await orderOf(out);
    await runConsole(services, ["/as support", `confirm ${order.orderNo}`]);
    expect(await creditOf(order.id)).toEqual([
      ["usdt_topup", "principal", 180_000_000n],
      ["topup_bonus", "bonus", 20_000_000n],
    ]);
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });

  it("a method without a rate in the file takes no order until support sets one", async () => {
    await start();
    const refused = await runConsole(services, ["topup wechat 10"]);
    expect(refused).toContain("⚠️ WeChat Pay (CNY) cannot take top-ups right now: no CNY exchange rate is set.");
    expect(await services.prisma.topupOrder.count()).toBe(0);
    expect((await cli("rate", "set", "cny", "7.3")).status).toBe(0);
    const taken = await runConsole(services, ["topup wechat 10", "1"]);
    expect(await orderOf(taken)).toMatchObject({ methodId: "wechat", payAmount: 73_000_000n, fxRate: 7_300_000n });
  });
});
