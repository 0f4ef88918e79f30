import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import { closeChainClients } from "../../src/chain/rpc.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { detectPaymentsOnce } from "../../src/payments/detectPayments.ts";
import type { Services } from "../../src/services.ts";
import { createOrder } from "../../src/topups/createOrder.ts";
import { findMethod, parseMethods, type UsdtNetwork } from "../../src/methods/paymentMethods.ts";
import { onPostgres } from "../helpers/db.ts";
import { createTestServices } from "../helpers/services.ts";
import { deployTestTokens, startAnvil, transfer, type AnvilChain, type TestTokens } from "../chain/anvil.ts";
import { startRpcProxy, type RpcProxy } from "../chain/rpcProxy.ts";

const SCRIPT = fileURLToPath(new URL("./scanProcess.ts", import.meta.url));

// Two OS processes on one database: PostgreSQL only.
describe.skipIf(!onPostgres)("a worker killed in the middle of a scan", () => {
  let chain: AnvilChain;
  let tokens: TestTokens;
  let proxy: RpcProxy;
  let services: Services;
  let methodsJson: unknown;

  beforeAll(async () => {
    chain = await startAnvil();
    tokens = await deployTestTokens(chain);
    proxy = await startRpcProxy(chain.url);
    methodsJson = {
      methods: [
        {
          id: "auto",
          kind: "usdt",
          label: { en: "USDT (anvil)" },
          family: "evm",
          chainId: chain.chainId,
          tokenContract: await tokens.usdt6.getAddress(),
          decimals: 6,
          depositAddress: chain.accounts[1],
          minimum: "1",
          confirmations: 2,
          explorerTxUrl: "https://explorer.test/tx/{hash}",
          rpcUrls: [proxy.url],
          rpcMinSpacingMs: 0,
          rpcTimeoutMs: 60_000,
          autoConfirm: true,
          autoConfirmCap: "1000",
          bonus: { flatBps: 2000 },
        },
      ],
    };
    services = await createTestServices({ methods: parseMethods(methodsJson), env: { TRIAL_STAGE1_USD: "0" } });
  });

  afterAll(async () => {
    closeChainClients();
    await services?.db.close();
    await proxy?.close();
    await chain?.close();
  });

  it("skips no block and credits nothing twice when the scan runs again", async () => {
    // Six customers pay, each in a block of its own (anvil mines a block per transaction).
    const paid: { accountId: string; amount: bigint }[] = [];
    for (let i = 0; i < 6; i++) {
      const caller = { platform: "console" as const, workspaceId: "local", userId: `crash-${i}`, locale: "en" as const, isSupport: false };
      const { id: accountId } = await resolveAccount(services, caller);
      const order = await createOrder(services, { accountId, caller, methodId: "auto", amount: "10" });
      await transfer(chain, tokens.usdt6, chain.accounts[1], order.instructedAmount);
      paid.push({ accountId, amount: order.instructedAmount });
    }
    await chain.mine(2);

    // The worker settles the first blocks' transfers, then its node stops answering for good,
    // and the process is killed: the cursor never moved past the range it was reading.
    let blockReads = 0;
    let reached!: () => void;
    const stuck = new Promise<void>((resolve) => (reached = resolve));
    proxy.onCall(async (method) => {
      if (method !== "eth_getBlockByNumber") return;
      blockReads += 1;
      if (blockReads === 4) {
        reached();
        await new Promise(() => undefined);
      }
    });
    let child: ChildProcess | null = null;
    try {
      child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
        env: { ...process.env, DATABASE_URL: (services.db as { url?: string }).url, METHODS_JSON: JSON.stringify(methodsJson), NETWORK: "auto" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
      await Promise.race([stuck, exited.then((code) => Promise.reject(new Error(`the worker exited (${code}) before it got stuck`)))]);
      child.kill("SIGKILL");
      await exited;
    } finally {
      proxy.onCall(null);
      if (child && child.exitCode === null) child.kill("SIGKILL");
    }
    const settledByTheDeadWorker = await services.prisma.chainTransfer.count();
    expect(settledByTheDeadWorker).toBe(3);
    expect(await services.prisma.chainCursor.findUnique({ where: { network: "auto" } })).toBeNull();

    // Another worker scans: every payment is credited, each exactly once.
    const network = findMethod(services.methods, "auto") as UsdtNetwork;
    const again = await detectPaymentsOnce(services, network);
    expect(again.credited).toBe(3);
    expect(again.transfers).toBe(6);
    expect((await detectPaymentsOnce(services, network)).transfers).toBe(0);
    for (const { accountId, amount } of paid) {
      const balances = await services.prisma.balance.findMany({ where: { accountId } });
      expect(Object.fromEntries(balances.map((b) => [b.bucket, b.amount]))).toMatchObject({ principal: amount, bonus: amount / 5n });
    }
    expect(await services.prisma.chainTransfer.count({ where: { status: "credited" } })).toBe(6);
    expect(await services.prisma.creditedLog.count()).toBe(6);
    expect(await services.prisma.ledgerEntry.count()).toBe(12);
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });
});
