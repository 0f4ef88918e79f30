import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import type { Services } from "../../src/services.ts";
import { runConsole } from "../helpers/consoleScript.ts";
import { onPostgres } from "../helpers/db.ts";
import { createTestServices } from "../helpers/services.ts";
import { accountOf, codesIn, expectReconciled, USD } from "./fixtures.ts";

/**
 * Many accounts redeeming one code at the same moment, each through its own console session (the
 * console surface, dispatch, the domain) on one PostgreSQL pool. PGlite is one connection, so
 * nothing is concurrent there: these run on PostgreSQL only.
 */
describe.skipIf(!onPostgres)("redemptions racing on PostgreSQL", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
  });
  afterEach(async () => {
    await expectReconciled(services);
  });
  afterAll(async () => {
    await services?.db.close();
  });

  const en = (key: string, params: Record<string, string | number> = {}) => translate("en", key, params);
  const say = (who: string, ...lines: string[]) => runConsole(services, lines, { customer: who, support: "sam" });

  async function batch(args: string): Promise<{ batchNo: string; code: string }> {
    const out = await say("nobody", "/as support", `codes create ${args}`);
    const [code] = codesIn(out);
    return { batchNo: /Batch (RC-\d{6}):/.exec(out)![1], code };
  }

  async function customers(prefix: string, n: number): Promise<string[]> {
    const names = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    for (const name of names) await say(name, "balance");
    return names;
  }

  async function credits(batchNo: string) {
    return services.prisma.ledgerEntry.findMany({ where: { type: "redemption_credit", reference: batchNo } });
  }

  it("50 accounts redeem one single-use code at once: exactly one credit, 49 told it is used up, nothing else written", async () => {
    const { batchNo, code } = await batch("10 1");
    const names = await customers("racer", 50);
    const entriesBefore = await services.prisma.ledgerEntry.count();
    const outs = await Promise.all(names.map((name) => say(name, `redeem ${code}`)));
    const won = outs.flatMap((out, i) => (out.includes(en("codes.redeemed", { amount: "$10.00", batch: batchNo, balance: "$10.00" })) ? [names[i]] : []));
    expect(won).toHaveLength(1);
    expect(outs.filter((out) => out.includes(`⚠️ ${en("codes.errors.used_up")}`))).toHaveLength(49);
    const entries = await credits(batchNo);
    expect(entries.map((e) => [e.accountId, e.amount])).toEqual([[await accountOf(services, won[0]), 10n * USD]]);
    expect(await services.prisma.ledgerEntry.count()).toBe(entriesBefore + 1);
    const { id: batchId } = await services.prisma.redemptionBatch.findFirstOrThrow({ where: { seq: Number(batchNo.slice(3)) } });
    expect(await services.prisma.redemption.count({ where: { batchId } })).toBe(1);
    expect((await services.prisma.redemptionCode.findFirstOrThrow({ where: { batchId } })).uses).toBe(1);
  });

  it("50 accounts on a code good for 5 uses get 5 credits; one account sending its code 10 times at once gets one", async () => {
    const { batchNo, code } = await batch("2 1 30d 5");
    const names = await customers("five", 50);
    const outs = await Promise.all(names.map((name) => say(name, `redeem ${code}`)));
    expect(outs.filter((out) => !out.includes("⚠️"))).toHaveLength(5);
    expect(outs.filter((out) => out.includes(`⚠️ ${en("codes.errors.used_up")}`))).toHaveLength(45);
    expect(await credits(batchNo)).toHaveLength(5);

    const single = await batch("3 1 30d 5");
    const [impatient] = await customers("impatient", 1);
    const again = await Promise.all(Array.from({ length: 10 }, () => say(impatient, `redeem ${single.code}`)));
    expect(again.filter((out) => !out.includes("⚠️"))).toHaveLength(1);
    expect(again.filter((out) => out.includes(`⚠️ ${en("codes.errors.already_redeemed")}`))).toHaveLength(9);
    expect((await credits(single.batchNo)).map((e) => e.amount)).toEqual([3n * USD]);
  });
});
