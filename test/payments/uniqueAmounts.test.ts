import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HDNodeWallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import { createServices } from "../../src/app/createServices.ts";
import { loadEnv } from "../../src/config/env.ts";
import type { Caller } from "../../src/core/command.ts";
import { openDatabase } from "../../src/db/index.ts";
import { isUniqueViolation } from "../../src/db/uniqueViolation.ts";
import { createLogger } from "../../src/log.ts";
import type { Services } from "../../src/services.ts";
import { cancelOrder } from "../../src/topups/cancelOrder.ts";
import { createOrder } from "../../src/topups/createOrder.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import { onPostgres } from "../helpers/db.ts";
import { createTestServices } from "../helpers/services.ts";

const DEPOSIT = "0x2222222222222222222222222222222222222222";
const TOKEN = "0xdAC17F958D2ee523a2206206994597C13D831ec7";
const network = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: "usdt",
  label: { en: id },
  family: "evm",
  chainId: 1,
  tokenContract: TOKEN,
  decimals: 6,
  depositAddress: DEPOSIT,
  minimum: "1",
  confirmations: 12,
  explorerTxUrl: "https://etherscan.io/tx/{hash}",
  ...extra,
});
const XPUB = HDNodeWallet.fromPhrase("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", undefined, "m/44'/60'/0'").neuter().extendedKey;
const METHODS = {
  methods: [
    network("erc20"),
    // The same chain, token and address under another id: its orders share the amounts.
    network("erc20b"),
    network("own", { attribution: "per-account-address", depositAddress: undefined, xpub: XPUB }),
    network("owntron", {
      attribution: "per-account-address",
      depositAddress: undefined,
      xpub: XPUB,
      family: "tron",
      chainId: 728126428,
      tokenContract: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
    }),
  ],
};

let userSeq = 0;
async function customers(services: Services, n: number) {
  const list: { caller: Caller; accountId: string }[] = [];
  for (let i = 0; i < n; i++) {
    userSeq += 1;
    const caller: Caller = { platform: "console", workspaceId: "local", userId: `u${userSeq}`, locale: "en", isSupport: false };
    list.push({ caller, accountId: (await resolveAccount(services, caller)).id });
  }
  return list;
}

describe("unique instructed amounts on a shared deposit address", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createTestServices({ methods: parseMethods(METHODS), env: { TRIAL_STAGE1_USD: "0" } });
  });
  afterAll(async () => {
    await services?.db.close();
  });

  it("200 open orders for the same amount get 200 distinct amounts, each 10 plus a suffix, never less", async () => {
    const people = await customers(services, 40);
    const orders = [];
    for (let i = 0; i < 200; i++) {
      const who = people[i % 40];
      orders.push(await createOrder(services, { accountId: who.accountId, caller: who.caller, methodId: i % 2 ? "erc20" : "erc20b", amount: "10" }));
    }
    const amounts = orders.map((o) => o.instructedAmount);
    expect(new Set(amounts).size).toBe(200);
    for (const amount of amounts) {
      expect(amount).toBeGreaterThan(10_000_000n);
      expect(amount).toBeLessThanOrEqual(10_099_900n);
      expect(amount % 100n).toBe(0n);
    }
    expect(orders.every((o) => o.requestedAmount === 10_000_000n && o.payAddress === DEPOSIT)).toBe(true);
  });

  it("the database refuses a second open order with the same amount; the amount is free again once its order ends", async () => {
    const [who, other] = await customers(services, 2);
    const order = await createOrder(services, { accountId: who.accountId, caller: who.caller, methodId: "erc20", amount: "50" });
    const copy = {
      seq: 900_000 + Math.floor(Math.random() * 1000),
      accountId: other.accountId,
      methodId: "erc20",
      methodKind: "usdt",
      network: "erc20",
      requestedAmount: order.requestedAmount,
      instructedAmount: order.instructedAmount,
      attribution: "unique-amount",
      payChain: order.payChain,
      payToken: order.payToken,
      payAddress: order.payAddress,
      bonusRule: {},
      expiresAt: order.expiresAt,
      surface: "console",
      customerWorkspace: "local",
      customerUserId: other.caller.userId,
    };
    const insert = (suffix: string) => services.prisma.topupOrder.create({ data: { ...copy, seq: copy.seq + suffix.length, orderNo: `T-${suffix}-${copy.seq}` } });
    const refused = await insert("a").then(
      () => null,
      (err: unknown) => err,
    );
    expect(isUniqueViolation(refused)).toBe(true);
    await cancelOrder(services, { accountId: who.accountId, caller: who.caller, orderRef: order.orderNo });
    await expect(insert("bb")).resolves.toMatchObject({ instructedAmount: order.instructedAmount });
  });

  it.skipIf(!onPostgres)("concurrent creation on PostgreSQL never gives two open orders the same amount", async () => {
    const people = await customers(services, 40);
    const created = await Promise.all(
      Array.from({ length: 200 }, (_, i) => createOrder(services, { accountId: people[i % 40].accountId, caller: people[i % 40].caller, methodId: i % 2 ? "erc20" : "erc20b", amount: "20" })),
    );
    expect(new Set(created.map((o) => o.instructedAmount)).size).toBe(200);
    const open = await services.prisma.topupOrder.groupBy({
      by: ["instructedAmount"],
      where: { status: { in: ["pending", "submitted"] }, payAddress: DEPOSIT, requestedAmount: 20_000_000n },
      _count: true,
    });
    expect(open).toHaveLength(200);
    expect(open.every((g) => g._count === 1)).toBe(true);
  });
});

describe("per-account deposit addresses", () => {
  it("two accounts get different addresses from one xpub, the same on EVM and TRON, stable across restarts", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cd-own-"));
    const open = async () =>
      createServices({
        env: loadEnv({ PGLITE_DIR: path.join(dir, "db"), FILE_STORE_DIR: path.join(dir, "files"), LOG_LEVEL: "silent", TRIAL_STAGE1_USD: "0" }),
        methods: parseMethods(METHODS),
        log: createLogger({ level: "silent" }),
        db: await openDatabase({ dataDir: path.join(dir, "db") }),
      });
    let services = await open();
    const [a, b] = await customers(services, 2);
    const first = await createOrder(services, { accountId: a.accountId, caller: a.caller, methodId: "own", amount: "10" });
    const second = await createOrder(services, { accountId: b.accountId, caller: b.caller, methodId: "own", amount: "10" });
    const tron = await createOrder(services, { accountId: a.accountId, caller: a.caller, methodId: "owntron", amount: "10" });
    expect(first.payAddress).toMatch(/^0x[0-9a-f]{40}$/);
    expect(first.payAddress).not.toBe(second.payAddress);
    // No suffix: the address itself tells whose payment it is.
    expect(first.instructedAmount).toBe(10_000_000n);
    expect(tron.payAddress).toBe(first.payAddress);
    await services.db.close();

    services = await open();
    const again = await createOrder(services, { accountId: a.accountId, caller: a.caller, methodId: "own", amount: "10" });
    expect(again.payAddress).toBe(first.payAddress);
    const indexes = await services.prisma.depositIndex.findMany({ orderBy: { index: "asc" } });
    expect(indexes.map((i) => i.accountId)).toEqual([a.accountId, b.accountId]);
    await services.db.close();
  });
});
