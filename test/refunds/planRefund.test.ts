import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planRefund, type RefundableOrder } from "../../src/refunds/planRefund.ts";

const USD = 1_000_000n;
const order = (orderNo: string, principal: bigint, bonus: bigint, refunded = 0n): RefundableOrder => ({
  id: orderNo,
  orderNo,
  confirmedPrincipal: principal,
  confirmedBonus: bonus,
  refundedPrincipal: refunded,
});

describe("planRefund: which top-ups a refund pays back, and the bonus reversed with it", () => {
  it("takes the orders in the order given (newest first), each up to what it has left, and its bonus in proportion", () => {
    const newest = order("CD-000002", 50n * USD, 10n * USD);
    const oldest = order("CD-000001", 100n * USD, 20n * USD);
    const plan = planRefund([newest, oldest], 70n * USD, 1000n * USD);
    expect(plan.allocations.map((a) => [a.orderNo, a.principal, a.bonusDue, a.bonus, a.fullyRefunded])).toEqual([
      ["CD-000002", 50n * USD, 10n * USD, 10n * USD, true],
      ["CD-000001", 20n * USD, 4n * USD, 4n * USD, false],
    ]);
    expect(plan).toMatchObject({ principal: 70n * USD, bonusDue: 14n * USD, bonusReversed: 14n * USD });
  });

  it("skips what an order already paid back, and counts the rest of it as fully refunded once taken", () => {
    const plan = planRefund([order("CD-000003", 100n * USD, 20n * USD, 60n * USD)], 40n * USD, 100n * USD);
    expect(plan.allocations).toEqual([
      { orderId: "CD-000003", orderNo: "CD-000003", principal: 40n * USD, bonusDue: 8n * USD, bonus: 8n * USD, fullyRefunded: true },
    ]);
  });

  it("reverses no more bonus than the bucket holds, taken from the newest order first; never below zero", () => {
    const orders = [order("CD-000002", 50n * USD, 10n * USD), order("CD-000001", 100n * USD, 20n * USD)];
    const partly = planRefund(orders, 70n * USD, 5n * USD);
    expect(partly).toMatchObject({ bonusDue: 14n * USD, bonusReversed: 5n * USD });
    expect(partly.allocations.map((a) => a.bonus)).toEqual([5n * USD, 0n]);
    for (const balance of [0n, -3n * USD]) {
      const spent = planRefund(orders, 70n * USD, balance);
      expect(spent.bonusReversed).toBe(0n);
      expect(spent.allocations.map((a) => a.bonus)).toEqual([0n, 0n]);
    }
  });

  it("rounds each order's share so that refunding all of its principal, in any pieces, reverses exactly all of its bonus", () => {
    // 3 micro-USD of principal with 1 micro-USD of bonus, refunded a micro at a time: 0, 0, 1.
    let refunded = 0n;
    const shares: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const plan = planRefund([order("CD-000001", 3n, 1n, refunded)], 1n, 10n);
      shares.push(plan.bonusDue);
      refunded += 1n;
    }
    expect(shares).toEqual([0n, 0n, 1n]);

    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 12n }), { minLength: 1, maxLength: 8 }),
        (principal, bonus, pieces) => {
          let refundedSoFar = 0n;
          let reversed = 0n;
          for (const piece of pieces) {
            const left = principal - refundedSoFar;
            if (left === 0n) break;
            const take = piece < left ? piece : left;
            const plan = planRefund([order("CD-1", principal, bonus, refundedSoFar)], take, bonus);
            expect(plan.bonusDue).toBeGreaterThanOrEqual(0n);
            reversed += plan.bonusDue;
            refundedSoFar += take;
          }
          const last = principal - refundedSoFar;
          if (last > 0n) reversed += planRefund([order("CD-1", principal, bonus, refundedSoFar)], last, bonus).bonusDue;
          expect(reversed).toBe(bonus);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses an amount the orders do not hold, and a non-positive one", () => {
    expect(() => planRefund([order("CD-000001", 10n * USD, 0n)], 11n * USD, 0n)).toThrow(RangeError);
    expect(() => planRefund([order("CD-000001", 10n * USD, 0n)], 0n, 0n)).toThrow(RangeError);
  });
});
