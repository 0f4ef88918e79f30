import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcile } from "../../src/ledger/reconcile.ts";
import type { Services } from "../../src/services.ts";
import { onPostgres } from "../helpers/db.ts";
import { lastOrderNo, runConsole } from "../helpers/consoleScript.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";

const png = path.join(mkdtempSync(path.join(tmpdir(), "cd-conc-")), "pay.png");
writeFileSync(png, PNG_BYTES);

describe.skipIf(!onPostgres)("concurrent support decisions on PostgreSQL", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
  });
  afterAll(async () => {
    await services.db.close();
  });

  it("two support members confirming the same order at once credit it once", async () => {
    for (let round = 0; round < 5; round++) {
      const order = lastOrderNo(
        await runConsole(services, ["topup trc20 10", "1", "0x" + (round + 1).toString(16).padStart(64, "0"), png]),
      );
      const outputs = await Promise.all([
        runConsole(services, ["/as support", `confirm ${order}`], { customer: "alice", support: "sam" }),
        runConsole(services, ["/as support", `confirm ${order}`], { customer: "alice", support: "tess" }),
        runConsole(services, ["/as support", `confirm ${order}`], { customer: "alice", support: "uma" }),
      ]);
      expect(outputs.filter((o) => o.includes(`Order ${order} confirmed`))).toHaveLength(1);
      expect(outputs.filter((o) => o.includes(`Order ${order} was already decided`))).toHaveLength(2);
    }
    const identity = await services.prisma.chatIdentity.findFirstOrThrow({ where: { userId: "alice" } });
    const balances = await services.prisma.balance.findMany({ where: { accountId: identity.accountId } });
    // Five orders of 10 USDT, each plus its own unique suffix, each credited once with 20%.
    const orders = await services.prisma.topupOrder.findMany({ where: { accountId: identity.accountId } });
    const paid = orders.reduce((sum, o) => sum + o.instructedAmount, 0n);
    const bonus = orders.reduce((sum, o) => sum + o.instructedAmount / 5n, 0n);
    expect(orders).toHaveLength(5);
    expect(Object.fromEntries(balances.map((b) => [b.bucket, b.amount]))).toEqual({ principal: paid, bonus });
    expect(await services.prisma.ledgerEntry.count({ where: { type: "usdt_topup" } })).toBe(5);
    expect(await services.prisma.outboxMessage.count({ where: { kind: "dm" } })).toBe(5);
    expect(await services.prisma.auditLog.count({ where: { action: "topup.confirm", outcome: "refused:status_confirmed" } })).toBe(10);
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });
});
