import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import type { Services } from "../../src/services.ts";
import { onPostgres } from "../helpers/db.ts";
import { runConsole } from "../helpers/consoleScript.ts";
import { createTestServices } from "../helpers/services.ts";
import { accountOf, as, buckets, confirmedTopup, expectReconciled, lastRefundNo, spend, USD } from "./fixtures.ts";

const en = (key: string, params: Record<string, string> = {}) => translate("en", key, params);

/** Races only PostgreSQL can run: several connections at once, each in its own console session. */
describe.skipIf(!onPostgres)("refunds racing on PostgreSQL", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
  });
  afterAll(async () => {
    await services?.db.close();
  });

  it("three support members approving one request at once make one refund", async () => {
    for (let round = 0; round < 3; round++) {
      const customer = `dup${round}`;
      await confirmedTopup(services, customer, 100);
      const accountId = await accountOf(services, customer);
      const refundNo = lastRefundNo(await runConsole(services, ['refund 40 "double click"'], as(customer)));
      const outputs = await Promise.all(
        ["sam", "tess", "uma"].map((support, i) => runConsole(services, ["/as support", `refund-approve ${refundNo} BANK-DUP-${round}-${i}`], as(customer, support))),
      );
      expect(outputs.filter((o) => o.includes(en("refunds.approved", { refund: refundNo, principal: "$40.00", bonus: "$8.00", due: "$8.00" })))).toHaveLength(1);
      expect(outputs.filter((o) => o.includes(`Refund ${refundNo} was already approved by`))).toHaveLength(2);
      const entries = await services.prisma.ledgerEntry.findMany({ where: { accountId, type: { in: ["refund", "bonus_reversal"] } } });
      expect(entries.map((e) => [e.type, e.amount]).sort()).toEqual([
        ["bonus_reversal", -8n * USD],
        ["refund", -40n * USD],
      ]);
      expect(await buckets(services, accountId)).toEqual({ principal: 60n * USD, bonus: 12n * USD });
      const refund = await services.prisma.refundRequest.findFirstOrThrow({ where: { seq: Number(refundNo.slice(3)) } });
      expect(refund.status).toBe("approved");
      expect(await services.prisma.posting.count({ where: { idempotencyKey: `refund:${refund.id}` } })).toBe(1);
      expect(await services.prisma.outboxMessage.count({ where: { dedupeKey: `refund:${refund.id}:dm:approved` } })).toBe(1);
      expect(await services.prisma.auditLog.count({ where: { action: "refund.approve", outcome: "refused:status_approved", accountId } })).toBe(2);
    }
    await expectReconciled(services);
  });

  it("two refund requests racing for the same principal cannot together ask for more than it", async () => {
    for (let round = 0; round < 3; round++) {
      const customer = `race${round}`;
      await confirmedTopup(services, customer, 100);
      const accountId = await accountOf(services, customer);
      const outputs = await Promise.all([
        runConsole(services, ['refund 60 "first"'], as(customer)),
        runConsole(services, ['refund 60 "second"'], as(customer)),
        runConsole(services, ['refund "everything"'], as(customer)),
      ]);
      const requests = await services.prisma.refundRequest.findMany({ where: { accountId } });
      const asked = requests.reduce((sum, r) => sum + r.requestedAmount, 0n);
      expect(asked).toBeLessThanOrEqual(100n * USD);
      // Whichever came first, the one after it was told what was left.
      expect(requests.length).toBeGreaterThanOrEqual(1);
      expect(outputs.filter((o) => o.includes("Nothing was sent."))).toHaveLength(3 - requests.length);
      expect(await services.prisma.ledgerEntry.count({ where: { accountId, type: "refund" } })).toBe(0);
    }
  });

  it("two approvals of different requests racing for principal spent since cannot together exceed what is left", async () => {
    for (let round = 0; round < 3; round++) {
      const customer = `split${round}`;
      await confirmedTopup(services, customer, 100);
      const accountId = await accountOf(services, customer);
      const a = lastRefundNo(await runConsole(services, ['refund 60 "part a"'], as(customer)));
      const b = lastRefundNo(await runConsole(services, ['refund 40 "part b"'], as(customer)));
      await spend(services, accountId, 50n * USD); // bonus 20 → 0, principal 100 → 70: not enough for both
      const outputs = await Promise.all([
        runConsole(services, ["/as support", `refund-approve ${a} BANK-SPLIT-${round}-A`], as(customer, "sam")),
        runConsole(services, ["/as support", `refund-approve ${b} BANK-SPLIT-${round}-B`], as(customer, "tess")),
      ]);
      expect(outputs.filter((o) => o.includes("approved:"))).toHaveLength(1);
      expect(outputs.filter((o) => o.includes("is refundable now"))).toHaveLength(1);
      const refunded = await services.prisma.ledgerEntry.aggregate({ where: { accountId, type: "refund" }, _sum: { amount: true } });
      expect(-(refunded._sum.amount ?? 0n)).toBeLessThanOrEqual(70n * USD);
      const left = await buckets(services, accountId);
      expect(left.principal).toBeGreaterThanOrEqual(0n);
      expect(left.bonus).toBe(0n);
      const order = await services.prisma.topupOrder.findFirstOrThrow({ where: { accountId } });
      expect(order.refundedPrincipal).toBe(-(refunded._sum.amount ?? 0n));
      expect(order.status).toBe("confirmed");
    }
    await expectReconciled(services);
  });
});
