import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/index.ts";
import { UserError } from "../../src/errors.ts";
import {
  grantTrialStage,
  IdempotencyConflictError,
  post,
  readBalances,
  type PostingRequest,
} from "../../src/ledger/index.ts";
import { openTestDatabase } from "../helpers/db.ts";

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

/** The trigger's message, wherever the driver adapter put it (message, or the error's cause). */
function refusalText(err: unknown): string {
  const e = err as { message?: string; meta?: { driverAdapterError?: { cause?: { originalMessage?: string } } } };
  return [e.message, e.meta?.driverAdapterError?.cause?.originalMessage].filter(Boolean).join("\n");
}

const newAccount = async () => (await db.prisma.account.create({ data: {} })).id;

function topup(accountId: string, key: string, principal = 10_000_000n): PostingRequest {
  return {
    idempotencyKey: key,
    actor: { type: "support", id: "U_SUPPORT" },
    reference: "order:T-1",
    memo: "USDT top-up",
    lines: [
      { accountId, type: "usdt_topup", bucket: "principal", amount: principal },
      { accountId, type: "topup_bonus", bucket: "bonus", amount: principal / 5n },
    ],
  };
}

describe("idempotency", () => {
  it("returns the first result for the same key and input, and writes once", async () => {
    const id = await newAccount();
    const first = await post(db.prisma, topup(id, `topup-${id}`));
    const again = await post(db.prisma, topup(id, `topup-${id}`));
    expect(first.replayed).toBe(false);
    expect(again.replayed).toBe(true);
    expect(again.postingId).toBe(first.postingId);
    expect(again.entries).toEqual(first.entries);
    expect(again.accounts[0].after).toBe(12_000_000n);
    expect(await db.prisma.posting.count({ where: { idempotencyKey: `topup-${id}` } })).toBe(1);
    expect(await db.prisma.ledgerEntry.count({ where: { accountId: id } })).toBe(2);
    expect(await readBalances(db.prisma, id)).toEqual({ principal: 10_000_000n, bonus: 2_000_000n, trial: 0n, promo: 0n });
  });

  it.each([
    ["another amount", (r: PostingRequest) => ({ ...r, lines: [{ ...r.lines[0], amount: 10_000_001n }, r.lines[1]] })],
    ["another memo", (r: PostingRequest) => ({ ...r, memo: "something else" })],
    ["another actor", (r: PostingRequest) => ({ ...r, actor: { type: "support" as const, id: "U_OTHER" } })],
    ["fewer lines", (r: PostingRequest) => ({ ...r, lines: [r.lines[0]] })],
  ])("refuses the same key with %s", async (_, change) => {
    const id = await newAccount();
    const request = topup(id, `conflict-${id}`);
    await post(db.prisma, request);
    const attempt = post(db.prisma, change(request));
    await expect(attempt).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(await db.prisma.ledgerEntry.count({ where: { accountId: id } })).toBe(2);
    expect((await readBalances(db.prisma, id)).principal).toBe(10_000_000n);
  });

  it("refuses the same key reused for another account", async () => {
    const a = await newAccount();
    const b = await newAccount();
    await post(db.prisma, topup(a, `shared-${a}`));
    await expect(post(db.prisma, topup(b, `shared-${a}`))).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(await db.prisma.ledgerEntry.count({ where: { accountId: b } })).toBe(0);
  });
});

describe("trial credit", () => {
  it("grants each stage at most once", async () => {
    const id = await newAccount();
    const actor = { type: "system" as const, id: "onboarding" };
    await grantTrialStage(db.prisma, { accountId: id, stage: 1, amount: 1_000_000n, actor });
    const twice = grantTrialStage(db.prisma, { accountId: id, stage: 1, amount: 1_000_000n, actor });
    await expect(twice).rejects.toBeInstanceOf(UserError);
    await expect(twice).rejects.toMatchObject({ key: "errors.trial_stage_granted", params: { stage: 1 } });
    await grantTrialStage(db.prisma, { accountId: id, stage: 2, amount: 1_000_000n, actor: { type: "support", id: "U1" } });
    await expect(
      grantTrialStage(db.prisma, { accountId: id, stage: 2, amount: 1_000_000n, actor: { type: "support", id: "U2" } }),
    ).rejects.toMatchObject({ key: "errors.trial_stage_granted" });
    const entries = await db.prisma.ledgerEntry.findMany({ where: { accountId: id }, orderBy: { id: "asc" } });
    expect(entries.map((e) => [e.type, e.bucket, e.amount, e.reference])).toEqual([
      ["trial_credit", "trial", 1_000_000n, "trial-stage-1"],
      ["trial_credit", "trial", 1_000_000n, "trial-stage-2"],
    ]);
    expect((await readBalances(db.prisma, id)).trial).toBe(2_000_000n);
  });
});

describe("immutable entries", () => {
  it("refuses UPDATE and DELETE of an entry and of a posting, from Prisma and from SQL", async () => {
    const id = await newAccount();
    const result = await post(db.prisma, topup(id, `immutable-${id}`));
    const entryId = result.entries[0].id;
    const attempts: [string, () => Promise<unknown>][] = [
      ["prisma update", () => db.prisma.ledgerEntry.update({ where: { id: entryId }, data: { amount: 1n } })],
      ["prisma delete", () => db.prisma.ledgerEntry.delete({ where: { id: entryId } })],
      ["sql update", () => db.prisma.$executeRaw`UPDATE "ledger_entries" SET "memo" = 'edited' WHERE "id" = ${entryId}`],
      ["sql delete", () => db.prisma.$executeRaw`DELETE FROM "ledger_entries" WHERE "accountId" = ${id}::uuid`],
      ["sql truncate", () => db.prisma.$executeRawUnsafe(`TRUNCATE "ledger_entries" CASCADE`)],
      ["posting update", () => db.prisma.posting.update({ where: { id: result.postingId }, data: { requestHash: "x" } })],
      ["posting delete", () => db.prisma.$executeRaw`DELETE FROM "postings" WHERE "id" = ${result.postingId}`],
    ];
    for (const [what, attempt] of attempts) {
      const err = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, what).toBeDefined();
      expect(refusalText(err), what).toMatch(/ledger rows are immutable/);
    }
    const entries = await db.prisma.ledgerEntry.findMany({ where: { accountId: id }, orderBy: { id: "asc" } });
    expect(entries.map((e) => [e.id, e.amount, e.memo])).toEqual(result.entries.map((e) => [e.id, e.amount, "USDT top-up"]));
    expect(await db.prisma.posting.count({ where: { id: result.postingId } })).toBe(1);
  });
});

describe("postings across accounts", () => {
  it("moves several accounts in one transaction, or none when one line is refused", async () => {
    const a = await newAccount();
    const b = await newAccount();
    await post(db.prisma, topup(a, `fund-${a}`));
    const refused = post(db.prisma, {
      idempotencyKey: `move-${a}`,
      actor: { type: "support", id: "U1" },
      lines: [
        { accountId: b, type: "admin_adjustment", bucket: "principal", amount: 5_000_000n },
        { accountId: a, type: "admin_adjustment", bucket: "principal", amount: -50_000_000n },
      ],
    });
    await expect(refused).rejects.toMatchObject({ key: "errors.insufficient_balance" });
    expect(await db.prisma.ledgerEntry.count({ where: { accountId: b } })).toBe(0);
    const moved = await post(db.prisma, {
      idempotencyKey: `move-ok-${a}`,
      actor: { type: "support", id: "U1" },
      lines: [
        { accountId: b, type: "admin_adjustment", bucket: "principal", amount: 5_000_000n },
        { accountId: a, type: "admin_adjustment", bucket: "principal", amount: -5_000_000n },
      ],
    });
    const after = Object.fromEntries(moved.accounts.map((m) => [m.accountId, [m.before, m.after]]));
    expect(after[a]).toEqual([12_000_000n, 7_000_000n]);
    expect(after[b]).toEqual([0n, 5_000_000n]);
  });

  it("refuses a posting for an account that does not exist", async () => {
    const ghost = "00000000-0000-4000-8000-000000000000";
    await expect(
      post(db.prisma, { idempotencyKey: `ghost`, actor: { type: "system" }, lines: [{ accountId: ghost, type: "voucher", bucket: "promo", amount: 1n }] }),
    ).rejects.toMatchObject({ key: "errors.account_not_found" });
  });
});
