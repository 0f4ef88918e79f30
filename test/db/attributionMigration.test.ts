import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/index.ts";
import { migrate, MIGRATIONS_DIR } from "../../src/db/migrate.ts";
import { backfillPaymentTargets } from "../../src/topups/backfillPaymentTargets.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import { createTestDatabaseUrl, onPostgres } from "../helpers/db.ts";
import { TEST_METHODS_JSON } from "../helpers/services.ts";

const ATTRIBUTION = "20261129100000_payment_attribution";

/** The migrations as they stood before attribution. */
function migrationsBefore(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cd-migrations-"));
  cpSync(MIGRATIONS_DIR, dir, {
    recursive: true,
    filter: (source) => {
      const base = path.basename(source);
      return !/^\d{14}_/.test(base) || base < name;
    },
  });
  return dir;
}

/**
 * Existing rows are carried over to attribution: every order gets its instructed amount and the
 * proof it cites; credited logs are keyed by chain; what the old per-method rules let through
 * twice is kept, marked, and recorded for support, rather than breaking the migration.
 */
describe("the attribution migration carries existing rows over", () => {
  let db: Database;
  const dirs: string[] = [];
  afterAll(async () => {
    await db?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("fills the new columns, keys credited logs by chain, and flags old duplicates", async () => {
    db = onPostgres ? await openDatabase({ url: await createTestDatabaseUrl(), poolSize: 3 }) : await openDatabase({ dataDir: "memory://" });
    const before = migrationsBefore(ATTRIBUTION);
    dirs.push(before);
    await migrate(db.driver, before);

    const hash = "0x" + "ab".repeat(32);
    const other = "0x" + "cd".repeat(32);
    const seed = `
      INSERT INTO "accounts" ("id") VALUES ('00000000-0000-4000-8000-000000000001');
      INSERT INTO "topup_orders" ("id", "orderNo", "accountId", "methodId", "methodKind", "network", "requestedAmount", "status", "bonusRule", "expiresAt", "surface", "customerWorkspace", "customerUserId", "txHash", "verdict")
      VALUES
        ('00000000-0000-4000-8000-00000000000a', 'CD-000901', '00000000-0000-4000-8000-000000000001', 'erc20', 'usdt', 'erc20', 10000000, 'confirmed', '{}', now(), 'console', 'local', 'u', '${hash}',
         '{"version":1,"family":"evm","chainId":1,"tokenContract":"0xdac17f958d2ee523a2206206994597c13d831ec7","depositAddress":"0x1111111111111111111111111111111111111111"}'),
        ('00000000-0000-4000-8000-00000000000b', 'CD-000902', '00000000-0000-4000-8000-000000000001', 'trc20', 'usdt', 'trc20', 10000000, 'confirmed', '{}', now(), 'console', 'local', 'u', '${hash}', NULL),
        ('00000000-0000-4000-8000-00000000000c', 'CD-000903', '00000000-0000-4000-8000-000000000001', 'bank', 'manual', 'bank', 60000000, 'submitted', '{}', now(), 'console', 'local', 'u', 'REF-0001', NULL),
        ('00000000-0000-4000-8000-00000000000d', 'CD-000904', '00000000-0000-4000-8000-000000000001', 'bank', 'manual', 'bank', 60000000, 'submitted', '{}', now(), 'console', 'local', 'u', 'ref-0001', NULL),
        ('00000000-0000-4000-8000-00000000000e', 'CD-000905', '00000000-0000-4000-8000-000000000001', 'erc20', 'usdt', 'erc20', 10000000, 'confirmed', '{}', now(), 'console', 'local', 'u', '${other}',
         '{"version":1,"family":"evm","chainId":1,"tokenContract":"0xdac17f958d2ee523a2206206994597c13d831ec7","depositAddress":"0x1111111111111111111111111111111111111111"}'),
        ('00000000-0000-4000-8000-00000000000f', 'CD-000906', '00000000-0000-4000-8000-000000000001', 'erc20b', 'usdt', 'erc20b', 10000000, 'confirmed', '{}', now(), 'console', 'local', 'u', '${other}',
         '{"version":1,"family":"evm","chainId":1,"tokenContract":"0xdac17f958d2ee523a2206206994597c13d831ec7","depositAddress":"0x1111111111111111111111111111111111111111"}');
      INSERT INTO "credited_logs" ("network", "txHash", "logIndex", "orderId", "amountRaw") VALUES
        ('erc20', '${other}', 0, '00000000-0000-4000-8000-00000000000e', '10000000'),
        ('erc20b', '${other}', 0, '00000000-0000-4000-8000-00000000000f', '10000000'),
        ('trc20', '${hash}', 3, '00000000-0000-4000-8000-00000000000b', '10000000');
      INSERT INTO "support_cards" ("orderId", "platform", "channelId", "messageId") VALUES ('00000000-0000-4000-8000-00000000000c', 'slack', 'C1', '1.2');`;
    await db.driver.withSession((s) => s.exec(seed));

    const result = await migrate(db.driver);
    expect(result.applied).toContain(ATTRIBUTION);

    const orders = await db.prisma.topupOrder.findMany({ orderBy: { orderNo: "asc" } });
    const byNo = Object.fromEntries(orders.map((o) => [o.orderNo, o]));
    expect(orders.every((o) => o.instructedAmount === o.requestedAmount)).toBe(true);
    expect(byNo["CD-000901"]).toMatchObject({ attribution: "none", payChain: "evm:1", payAddress: "0x1111111111111111111111111111111111111111", proofKey: `tx:${hash}` });
    // The same hash on a second network: kept on the first order, the second one marked.
    expect(byNo["CD-000902"].proofKey).toMatch(/^duplicate:/);
    expect(byNo["CD-000903"]).toMatchObject({ attribution: null, proofKey: "ref:bank:REF0001" });
    expect(byNo["CD-000904"].proofKey).toMatch(/^duplicate:/);
    const flagged = await db.prisma.auditLog.findMany({ where: { action: "migration.duplicate_proof" } });
    expect(flagged.map((a) => a.orderId).sort()).toEqual(["00000000-0000-4000-8000-00000000000b", "00000000-0000-4000-8000-00000000000d", "00000000-0000-4000-8000-00000000000f"]);

    // The log two method ids of one chain both credited: one row keeps the chain key, the other is marked.
    const logs = await db.prisma.creditedLog.findMany({ orderBy: { network: "asc" } });
    expect(logs.map((l) => [l.network, l.chainKey])).toEqual([
      ["erc20", "evm:1"],
      ["erc20b", "duplicate:erc20b:evm:1"],
      ["trc20", "method:trc20"],
    ]);
    expect(await db.prisma.auditLog.count({ where: { action: "migration.duplicate_credit", orderId: "00000000-0000-4000-8000-00000000000f" } })).toBe(1);
    expect(await db.prisma.supportCard.findMany()).toEqual([expect.objectContaining({ cardKey: "order:00000000-0000-4000-8000-00000000000c", orderId: "00000000-0000-4000-8000-00000000000c" })]);

    // What the migration could not read from a verdict comes from the methods file.
    await backfillPaymentTargets(db.prisma, parseMethods(TEST_METHODS_JSON));
    const tron = await db.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo: "CD-000902" } });
    expect(tron).toMatchObject({ payChain: "tron:728126428", payToken: "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c" });
    expect((await db.prisma.creditedLog.findFirstOrThrow({ where: { network: "trc20" } })).chainKey).toBe("tron:728126428");
    // Running it again changes nothing.
    expect(await backfillPaymentTargets(db.prisma, parseMethods(TEST_METHODS_JSON))).toBe(0);
  });
});
