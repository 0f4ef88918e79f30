import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { DEFAULT_MAXIMUM_USD, parseMethods } from "../../src/methods/paymentMethods.ts";
import type { Services } from "../../src/services.ts";
import { lastOrderNo, runConsole } from "../helpers/consoleScript.ts";
import { createTestServices, PNG_BYTES, TEST_METHODS_JSON } from "../helpers/services.ts";

const png = path.join(mkdtempSync(path.join(tmpdir(), "cd-max-")), "pay.png");
writeFileSync(png, PNG_BYTES);

/** Every method has a maximum (the bank method of the test file names none), and support's typed amount is held to it. */
describe("amounts have an upper bound everywhere", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
  });
  afterAll(async () => {
    await services?.db.close();
  });

  const counts = async () => [await services.prisma.topupOrder.count(), await services.prisma.ledgerEntry.count(), await services.prisma.outboxMessage.count()];

  it("a method without a maximum in its file gets the default one", () => {
    const bank = parseMethods(TEST_METHODS_JSON).methods.find((m) => m.id === "bank")!;
    expect(TEST_METHODS_JSON.methods.find((m) => m.id === "bank")).not.toHaveProperty("maximum");
    expect(bank.maximum).toBe(BigInt(DEFAULT_MAXIMUM_USD) * 1_000_000n);
    expect(() => parseMethods({ methods: [{ ...TEST_METHODS_JSON.methods[2], minimum: "50", maximum: "10" }] })).toThrow(/maximum: must be at least the minimum/);
  });

  it("topup card 99999999999999 is refused with the maximum, not an internal error, and nothing is written", async () => {
    const before = await counts();
    const out = await runConsole(services, ["topup bank 99999999999999"]);
    expect(out).toContain(`⚠️ ${translate("en", "errors.amount_above_maximum", { maximum: "$100,000.00" })}`);
    expect(out).not.toContain(translate("en", "errors.internal", { traceId: "" }).slice(0, 20));
    expect(await counts()).toEqual(before);
  });

  it("support's amount override above the maximum is refused, and nothing is credited", async () => {
    const order = lastOrderNo(await runConsole(services, ["topup bank 100", "1", "BANK-MAX-0001", png]));
    const before = await counts();
    const out = await runConsole(services, ["/as support", `confirm ${order} 99999999999999`]);
    expect(out).toContain(`⚠️ ${translate("en", "errors.amount_above_maximum", { maximum: "$100,000.00" })}`);
    expect(await counts()).toEqual(before);
    const fine = await runConsole(services, ["/as support", `confirm ${order} 90`]);
    expect(fine).toContain(`Order ${order} confirmed`);
  });
});
