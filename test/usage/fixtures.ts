import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../../src/db/index.ts";
import { post } from "../../src/ledger/postEntries.ts";
import type { Bucket } from "../../src/ledger/types.ts";

export const USD = 1_000_000n;

/** An account with the given credit in each bucket, posted through the ledger like any top-up. */
export async function accountWith(
  prisma: PrismaClient,
  credit: Partial<Record<Bucket, bigint>> = {},
  options: { threshold?: bigint | null; locale?: string } = {},
): Promise<string> {
  const account = await prisma.account.create({
    data: { locale: options.locale ?? "en", lowBalanceThreshold: options.threshold === undefined ? null : options.threshold },
  });
  const lines = Object.entries(credit)
    .filter(([, amount]) => amount && amount > 0n)
    .map(([bucket, amount]) => ({ accountId: account.id, type: "admin_adjustment" as const, bucket: bucket as Bucket, amount: amount! }));
  if (lines.length > 0) {
    await post(prisma, { idempotencyKey: `seed:${account.id}`, lines, actor: { type: "system", id: "test" }, memo: "seed" });
  }
  return account.id;
}

export interface RawRecord {
  id?: unknown;
  accountId?: unknown;
  model?: unknown;
  endpoint?: unknown;
  inputTokens?: unknown;
  outputTokens?: unknown;
  cachedTokens?: unknown;
  calls?: unknown;
  cost?: unknown;
  time?: unknown;
}

export function usageRecord(accountId: string, cost: bigint | string, overrides: RawRecord = {}): RawRecord {
  return {
    id: `rec-${randomUUID()}`,
    accountId,
    model: "gpt-4o-mini",
    endpoint: "/v1/chat/completions",
    inputTokens: 1200,
    outputTokens: 300,
    cost: typeof cost === "bigint" ? cost.toString() : cost,
    time: new Date().toISOString(),
    ...overrides,
  };
}
