import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/index.ts";
import { UserError } from "../../src/errors.ts";
import { microsToTokenUnits, parseAmount, post, tokenUnitsToMicros } from "../../src/ledger/index.ts";
import { openTestDatabase } from "../helpers/db.ts";

function refusal(input: string): string {
  try {
    parseAmount(input);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).field).toBe("amount");
    return (err as UserError).key;
  }
  throw new Error(`parseAmount accepted ${JSON.stringify(input)}`);
}

describe("parseAmount", () => {
  it.each([
    ["10", 10_000_000n],
    ["0.1", 100_000n],
    ["0.000001", 1n],
    ["1,000.50", 1_000_500_000n],
    ["1,234,567", 1_234_567_000_000n],
    ["$5", 5_000_000n],
    [" 12.345678 ", 12_345_678n],
  ])("accepts %j as %s micro-USD", (input, micros) => {
    const parsed = parseAmount(input);
    expect(typeof parsed).toBe("bigint");
    expect(parsed).toBe(micros);
  });

  it.each([
    ["0", "errors.amount_zero"],
    ["0.000000", "errors.amount_zero"],
    ["$0", "errors.amount_zero"],
    ["-1", "errors.amount_negative"],
    ["1e3", "errors.amount_format"],
    ["1.0000001", "errors.amount_decimals"],
    ["10,5", "errors.amount_format"],
    ["1,00", "errors.amount_format"],
    ["1,0000", "errors.amount_format"],
    ["$", "errors.amount_format"],
    ["5$", "errors.amount_format"],
    ["", "errors.amount_format"],
    ["abc", "errors.amount_format"],
    ["1.2.3", "errors.amount_format"],
    ["+5", "errors.amount_format"],
    ["Infinity", "errors.amount_format"],
  ])("refuses %j with %s", (input, key) => {
    expect(refusal(input)).toBe(key);
  });
});

describe("token units", () => {
  it("takes USDT with 6 decimals unit for unit", () => {
    expect(tokenUnitsToMicros(10_500_000n, 6)).toBe(10_500_000n);
    expect(microsToTokenUnits(10_500_000n, 6)).toBe(10_500_000n);
  });

  it("scales USDT with 18 decimals (BNB Smart Chain) down to micro-USD without floats", () => {
    const raw = 10_500_000_000_000_000_000n; // 10.5 USDT
    expect(tokenUnitsToMicros(raw, 18)).toBe(10_500_000n);
    expect(microsToTokenUnits(10_500_000n, 18)).toBe(raw);
    // Dust below one micro-USD is dropped, never rounded up into credit.
    expect(tokenUnitsToMicros(raw + 999_999_999_999n, 18)).toBe(10_500_000n);
    // Beyond 2^53: a Number would have lost the last digits.
    expect(tokenUnitsToMicros(123_456_789_123_456_789_000_000_000_000n, 18)).toBe(123_456_789_123_456_789n);
  });
});

describe("amounts from input to balance", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it("posts 0.1 + 0.2 USD as exactly 300000 micro-USD", async () => {
    const account = await db.prisma.account.create({ data: {} });
    for (const [i, typed] of ["0.1", "0.2"].entries()) {
      await post(db.prisma, {
        idempotencyKey: `money-${account.id}-${i}`,
        actor: { type: "support", id: "U1" },
        lines: [{ accountId: account.id, type: "admin_adjustment", bucket: "principal", amount: parseAmount(typed) }],
      });
    }
    const balance = await db.prisma.balance.findUniqueOrThrow({
      where: { accountId_bucket: { accountId: account.id, bucket: "principal" } },
    });
    expect(typeof balance.amount).toBe("bigint");
    expect(balance.amount).toBe(300_000n);
    const entries = await db.prisma.ledgerEntry.findMany({ where: { accountId: account.id }, orderBy: { id: "asc" } });
    expect(entries.map((e) => e.amount)).toEqual([100_000n, 200_000n]);
    expect(entries[1].balanceAfter).toBe(300_000n);
    const [{ sum }] = await db.prisma.$queryRaw<{ sum: bigint }[]>`
      SELECT SUM("amount")::bigint AS sum FROM "ledger_entries" WHERE "accountId" = ${account.id}::uuid`;
    expect(BigInt(sum)).toBe(300_000n);
  });

  it("keeps amounts past 2^53 exact through Prisma", async () => {
    const account = await db.prisma.account.create({ data: {} });
    const huge = 9_007_199_254_740_993n; // 2^53 + 1: not representable as a Number
    const result = await post(db.prisma, {
      idempotencyKey: `huge-${account.id}`,
      actor: { type: "system" },
      lines: [{ accountId: account.id, type: "admin_adjustment", bucket: "principal", amount: huge }],
    });
    expect(result.accounts[0].after).toBe(huge);
    const entry = await db.prisma.ledgerEntry.findFirstOrThrow({ where: { accountId: account.id } });
    expect(typeof entry.amount).toBe("bigint");
    expect(entry.amount).toBe(huge);
    expect(entry.balanceAfter).toBe(huge);
    const balance = await db.prisma.balance.findFirstOrThrow({ where: { accountId: account.id } });
    expect(balance.amount).toBe(huge);
  });
});
