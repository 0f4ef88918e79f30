import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMoney, parseRate, payAmountFor, usdBoughtBy } from "../../src/fx/currency.ts";
import { translate } from "../../src/i18n.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import type { Services } from "../../src/services.ts";
import { bonusToCredit } from "../../src/topups/bonusToCredit.ts";
import { quoteTopup } from "../../src/topups/quoteTopup.ts";
import { UserError } from "../../src/errors.ts";
import { createTestServices, TEST_METHODS_JSON } from "../helpers/services.ts";
import { ALIPAY, pricingMethods, USDT_X } from "./pricingMethods.ts";

const usd = (n: string) => BigInt(Math.round(Number(n) * 1e6));
const rate = (text: string) => (parseRate(text) as { rate: bigint }).rate;

describe("money in another currency: integer micro-units, the customer never pays less than the USD asked", () => {
  it("$10 at 7.21 is exactly ¥72.10, and ¥72.10 at 7.21 buys exactly $10.00", () => {
    expect(payAmountFor(10_000_000n, rate("7.21"), "CNY")).toBe(72_100_000n);
    expect(usdBoughtBy(72_100_000n, rate("7.21"))).toBe(10_000_000n);
    expect(formatMoney("CNY", 72_100_000n)).toBe("¥72.10");
    expect(formatMoney("CNY", 1_297_800_000n)).toBe("¥1,297.80");
  });

  it("an amount that does not fall on a fen is rounded up to the fen, and what it buys is rounded down, never below the USD asked", () => {
    // $10 at 7.2345 is ¥72.345: the customer pays ¥72.35, which buys $10.000691 (rounded down).
    const pay = payAmountFor(10_000_000n, rate("7.2345"), "CNY");
    expect(pay).toBe(72_350_000n);
    expect(usdBoughtBy(pay, rate("7.2345"))).toBe(10_000_691n);
    for (const [amount, r] of [["0.01", "7.21"], ["33.333333", "7.123456"], ["4999.999999", "6.999999"], ["123.45", "0.000001"]] as const) {
      const asked = usd(amount);
      const paid = payAmountFor(asked, rate(r), "CNY");
      expect(paid % 10_000n, `${amount} at ${r}`).toBe(0n);
      expect(usdBoughtBy(paid, rate(r)) >= asked, `${amount} at ${r}`).toBe(true);
    }
  });

  it("a currency without minor units (JPY) is paid in whole yen", () => {
    expect(payAmountFor(10_000_000n, rate("151.5"), "JPY")).toBe(1_515_000_000n);
    expect(payAmountFor(10_000_001n, rate("151.5"), "JPY")).toBe(1_516_000_000n);
    expect(formatMoney("JPY", 1_516_000_000n)).toBe("¥1,516");
  });

  it("a rate is a positive decimal with at most 6 decimals", () => {
    expect(parseRate("7.21")).toEqual({ rate: 7_210_000n });
    expect(parseRate("0")).toEqual({ problem: "not_positive" });
    expect(parseRate("0.000000")).toEqual({ problem: "not_positive" });
    expect(parseRate("-7.21")).toEqual({ problem: "not_positive" });
    expect(parseRate("7.1234567")).toEqual({ problem: "decimals" });
    expect(parseRate("7,21")).toEqual({ problem: "format" });
    expect(parseRate("1e3")).toEqual({ problem: "format" });
  });
});

describe("the payment methods file: currencies, rates and presets", () => {
  const trc20 = TEST_METHODS_JSON.methods.find((m) => m.id === "trc20")!;

  it("refuses a method with discounted presets and a bonus rule, naming the method", () => {
    expect(() => parseMethods({ methods: [{ ...trc20, presets: [{ amount: "200", discountBps: 1000 }] }] })).toThrow(
      /methods\.0\.presets: method "trc20" has presets with a discount and a bonus rule: a method has one or the other, never both/,
    );
    const bank = TEST_METHODS_JSON.methods.find((m) => m.id === "bank")!;
    expect(() => parseMethods({ methods: [{ ...bank, presets: [{ amount: "500", discountBps: 500 }] }] })).toThrow(/method "bank" has presets with a discount and a bonus rule/);
  });

  it("takes presets without a discount beside a bonus rule, and discounted presets without one", () => {
    const withBonus = parseMethods({ methods: [{ ...trc20, presets: [{ amount: "200" }] }] }).methods[0];
    expect(withBonus.presets).toEqual([{ amount: 200_000_000n, discountBps: 0 }]);
    const discounted = parseMethods({ methods: [USDT_X] }).methods[0];
    expect(discounted.presets.map((p) => [p.amount, p.discountBps])).toEqual([
      [50_000_000n, 500],
      [100_000_000n, 500],
      [200_000_000n, 1000],
      [500_000_000n, 1500],
      [1_000_000_000n, 2000],
    ]);
  });

  it("refuses a preset whose price is below the minimum, a preset listed twice, a 100% discount", () => {
    expect(() => parseMethods({ methods: [{ ...USDT_X, minimum: "100", presets: [{ amount: "100", discountBps: 500 }] }] })).toThrow(
      /method "usdt-x": the \$100\.00 preset costs \$95\.00 after its discount, below the method's minimum of \$100\.00/,
    );
    expect(() => parseMethods({ methods: [{ ...USDT_X, presets: [{ amount: "200" }, { amount: "200.0" }] }] })).toThrow(/method "usdt-x" lists the \$200\.00 preset twice/);
    expect(() => parseMethods({ methods: [{ ...USDT_X, presets: [{ amount: "200", discountBps: 10_000 }] }] })).toThrow(/presets\.0\.discountBps/);
  });

  it("refuses a rate of 0 or below, a rate on a USD method, and a currency that is not an ISO code", () => {
    expect(() => parseMethods({ methods: [{ ...ALIPAY, rate: "0" }] })).toThrow(/methods\.0\.rate: a rate must be above 0/);
    expect(() => parseMethods({ methods: [{ ...ALIPAY, rate: "-7.21" }] })).toThrow(/methods\.0\.rate: a rate must be above 0/);
    expect(() => parseMethods({ methods: [{ ...ALIPAY, currency: "USD" }] })).toThrow(/method "alipay" is priced in USD: a rate is only for a method in another currency/);
    expect(() => parseMethods({ methods: [{ ...ALIPAY, currency: "yuan" }] })).toThrow(/methods\.0\.currency: an ISO 4217 currency code/);
  });
});

describe("quoteTopup: what the customer typed or chose, priced", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createTestServices({ methods: pricingMethods() });
  });
  afterAll(async () => {
    await services?.db.close();
  });
  const quote = (methodId: string, amount?: string, preset?: string, locale: "en" | "zh-CN" = "en") => quoteTopup(services.prisma, services.methods, { methodId, amount, preset }, locale);
  const refusal = async (promise: Promise<unknown>) => {
    const err = await promise.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  };

  it("the $200 tier at 10% asks 180 and credits 180 + 20 bonus; every surface's spelling of it is the same quote", async () => {
    for (const [amount, preset] of [[undefined, "200"], ["preset:200", undefined], ["PRESET=200", undefined], ["preset", "200"], [undefined, "$200"]] as const) {
      const q = await quote("usdt-x", amount, preset);
      expect(q, `${amount} ${preset}`).toMatchObject({ requested: 180_000_000n, preset: { amount: 200_000_000n, discount: 20_000_000n, discountBps: 1000 }, principal: 180_000_000n, bonus: 20_000_000n, confirmation: "yes" });
    }
  });

  it("on Alipay, a USD amount is priced in yuan, and an amount typed in yuan is what is paid", async () => {
    expect(await quote("alipay", "10")).toMatchObject({ requested: 10_000_000n, currency: "CNY", fxRate: 7_210_000n, payAmount: 72_100_000n, principal: 10_000_000n, confirmation: "7210000", amountArg: "10" });
    for (const typed of ["¥500", "￥500", "500元", "500 CNY", "RMB 500", "cny500"]) {
      expect(await quote("alipay", typed), typed).toMatchObject({ payAmount: 500_000_000n, principal: 69_348_127n, amountArg: "500CNY" });
    }
    expect(await quote("alipay", undefined, "200")).toMatchObject({ requested: 180_000_000n, payAmount: 1_297_800_000n, principal: 180_000_000n, bonus: 20_000_000n });
  });

  it("refuses, with the message a customer needs: yuan on a USDT network, a fen fraction, a missing tier, both at once, below the minimum in both currencies", async () => {
    const t = (key: string, params = {}) => translate("en", key, params);
    let err = await refusal(quote("trc20", "¥100"));
    expect([err.key, err.field]).toEqual(["pricing.errors.currency_not_taken", "amount"]);
    expect(t(err.key, err.params)).toBe("USDT on TRON (TRC20) is paid in USD, not CNY. Type the amount in USD (such as 10), or choose another method.");
    err = await refusal(quote("alipay", "¥72.105"));
    expect(t(err.key, err.params)).toBe("Use at most 2 digits after the decimal point.");
    err = await refusal(quote("usdt-x", undefined, "300"));
    expect(t(err.key, err.params)).toBe("USDT on Arbitrum has no $300.00 preset. Its presets: $50.00, $100.00, $200.00, $500.00, $1,000.00.");
    err = await refusal(quote("trc20", undefined, "200"));
    expect(t(err.key, err.params)).toBe("USDT on TRON (TRC20) has no preset amounts: type the amount you want instead.");
    err = await refusal(quote("usdt-x", "50", "200"));
    expect([err.key, err.field]).toEqual(["pricing.errors.amount_and_preset", "preset"]);
    err = await refusal(quote("alipay", "9.99"));
    expect(t(err.key, err.params)).toContain("The minimum for this method is $10.00 (¥72.10).");
    err = await refusal(quote("alipay", "¥72.09"));
    expect(err.key).toBe("errors.amount_below_minimum");
    err = await refusal(quote("alipay", "¥0"));
    expect(err.key).toBe("errors.amount_zero");
    err = await refusal(quote("trc20", undefined, "200", "zh-CN"));
    expect(translate("zh-CN", err.key, err.params)).toBe("USDT（TRC20）没有预设金额，请直接填写您要充值的金额。");
  });

  it("a method in another currency with no rate anywhere takes no order", async () => {
    const noRate = parseMethods({ methods: [{ ...ALIPAY, id: "wechat", currency: "HKD", rate: undefined }] });
    const err = await refusal(quoteTopup(services.prisma, noRate, { methodId: "wechat", amount: "10" }));
    expect(translate("en", err.key, err.params)).toBe("Alipay (CNY) cannot take top-ups right now: no HKD exchange rate is set. Choose another method, or ask support.");
  });

  it("a preset's discount is credited only when what is credited covers its price", () => {
    const order = { bonusRule: { flatBps: 0, tiers: [] }, discountAmount: 20_000_000n, requestedAmount: 180_000_000n };
    expect(bonusToCredit(order, 180_000_000n)).toBe(20_000_000n);
    expect(bonusToCredit(order, 180_056_900n)).toBe(20_000_000n);
    expect(bonusToCredit(order, 179_999_999n)).toBe(0n);
  });
});
