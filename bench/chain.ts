/**
 * npm run bench:chain [-- --orders 1000 --sample 50]
 *
 * Against a real local chain (anvil, test tokens deployed) behind a counting JSON-RPC proxy:
 * 1. RPC calls per verified transaction: verifyTransfer on its own and inside a watcher round,
 *    against the baseline of the same checks written the plain ethers way (a default
 *    JsonRpcProvider, receipt.getBlock(), receipt.confirmations()).
 * 2. Watcher time for N submitted orders (created and submitted through createOrder and
 *    submitProof, one real transfer each): a round that verifies and stores every verdict, and
 *    a round that auto-confirms every order through confirmTopup; the baseline is a naive loop
 *    that verifies and stores one order after the other.
 * The database is PostgreSQL (DATABASE_URL, or a throw-away server started here).
 */
import { parseArgs } from "node:util";
import { JsonRpcProvider } from "ethers";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { createServices } from "../src/app/createServices.ts";
import { closeChainClients } from "../src/chain/rpc.ts";
import { verifyTransfer } from "../src/chain/verifyTransfer.ts";
import { watchNetworkOnce } from "../src/chain/watcher.ts";
import { loadEnv } from "../src/config/env.ts";
import type { Caller } from "../src/core/command.ts";
import { openDatabase } from "../src/db/index.ts";
import { reconcile } from "../src/ledger/reconcile.ts";
import { createLogger } from "../src/log.ts";
import { createOrder } from "../src/topups/createOrder.ts";
import { findMethod, parseMethods, type UsdtNetwork } from "../src/topups/methods.ts";
import { submitProof } from "../src/topups/submitProof.ts";
import { deployTestTokens, startAnvil } from "../test/chain/anvil.ts";
import { startRpcProxy } from "../test/chain/rpcProxy.ts";
import { PNG_BYTES } from "../test/helpers/services.ts";
import { benchDatabase } from "./throwawayPostgres.ts";

const { values } = parseArgs({ options: { orders: { type: "string", default: "1000" }, sample: { type: "string", default: "50" } } });
const ORDERS = Number(values.orders);
const SAMPLE = Math.min(Number(values.sample), ORDERS);
const PER_ACCOUNT = 100;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const versus = (baselineMs: number, ms: number) =>
  baselineMs >= ms ? `${(baselineMs / ms).toFixed(2)}× faster than the baseline` : `${(ms / baselineMs).toFixed(2)}× slower than the baseline`;

const chain = await startAnvil();
const proxy = await startRpcProxy(chain.url);
const target = await benchDatabase("chain");
const db = await openDatabase({ url: target.url, poolSize: 10 });
try {
  await db.migrate();
  const tokens = await deployTestTokens(chain);
  const token = await tokens.usdt6.getAddress();
  const deposit = chain.accounts[1];

  console.log(`sending ${ORDERS} USDT transfers on anvil…`);
  const data = tokens.usdt6.interface.encodeFunctionData("transfer", [deposit, 10_000_000n]);
  const hashes: string[] = [];
  for (let i = 0; i < ORDERS; i++) hashes.push(await chain.rpc<string>("eth_sendTransaction", [{ from: chain.accounts[0], to: token, data }]));
  await chain.mine(3);

  const common = {
    kind: "usdt",
    family: "evm",
    chainId: chain.chainId,
    tokenContract: token,
    decimals: 6,
    depositAddress: deposit,
    minimum: "5",
    confirmations: 3,
    explorerTxUrl: "https://explorer.test/tx/{hash}",
    rpcUrls: [proxy.url],
    rpcConcurrency: 4,
    rpcMinSpacingMs: 0,
    rpcTimeoutMs: 10_000,
    bonus: { flatBps: 2000 },
  };
  const methods = parseMethods({
    methods: [
      { ...common, id: "review", label: { en: "verify only" } },
      { ...common, id: "auto", label: { en: "auto-confirm" }, autoConfirm: true, autoConfirmCap: "100" },
      { ...common, id: "single", label: { en: "single verifications" } },
    ],
  });
  const env = loadEnv({ DATABASE_URL: target.url, LOG_LEVEL: "silent", TRIAL_STAGE1_USD: "0", ORDER_TTL_MINUTES: "600" });
  const services = await createServices({ env, db, methods, migrate: false, log: createLogger({ level: "silent" }) });
  const network = (id: string) => findMethod(methods, id) as UsdtNetwork;

  // 1. RPC calls per verified transaction.
  const createdAt = new Date(Date.now() - 3_600_000);
  const sample = hashes.slice(0, SAMPLE);
  const plain = new JsonRpcProvider(proxy.url);
  proxy.reset();
  for (const hash of sample) {
    const receipt = await plain.getTransactionReceipt(hash);
    await receipt!.getBlock();
    await receipt!.confirmations();
  }
  const baselineCalls = proxy.count() / SAMPLE;
  plain.destroy();

  await verifyTransfer({ network: network("single"), txHash: sample[0], requestedAmount: 10_000_000n, createdAt }); // chain id checked once
  proxy.reset();
  for (const hash of sample) {
    const verdict = await verifyTransfer({ network: network("single"), txHash: hash, requestedAmount: 10_000_000n, createdAt });
    if (!verdict.allPassed) throw new Error(`verification of ${hash} did not pass`);
  }
  const singleCalls = proxy.count() / SAMPLE;

  // 2. N submitted orders on each of "review" and "auto" (the same transactions: a hash is unique per network).
  console.log(`creating and submitting ${ORDERS} orders on each of 2 networks…`);
  const seedStart = performance.now();
  for (const methodId of ["review", "auto"]) {
    let caller: Caller | null = null;
    let accountId = "";
    for (let i = 0; i < ORDERS; i++) {
      if (i % PER_ACCOUNT === 0) {
        caller = { platform: "console", workspaceId: "local", userId: `bench-${methodId}-${i / PER_ACCOUNT}`, locale: "en", isSupport: false };
        accountId = (await resolveAccount(services, caller)).id;
      }
      const order = await createOrder(services, { accountId, caller: caller!, methodId, amount: "10" });
      await submitProof(services, { accountId, caller: caller!, orderRef: order.orderNo, txHash: hashes[i], screenshot: { name: "p.png", bytes: PNG_BYTES } });
    }
  }
  console.log(`  (seeded in ${seconds(performance.now() - seedStart)})`);

  const reviewOrders = await db.prisma.topupOrder.findMany({ where: { network: "review" }, orderBy: { seq: "asc" } });
  proxy.reset();
  let start = performance.now();
  for (const order of reviewOrders) {
    const verdict = await verifyTransfer({ network: network("review"), txHash: order.txHash!, requestedAmount: order.requestedAmount, createdAt: order.createdAt });
    await db.prisma.topupOrder.update({ where: { id: order.id }, data: { verdict: verdict as object, verifiedAt: new Date() } });
  }
  const naiveMs = performance.now() - start;
  const naiveCalls = proxy.count() / ORDERS;

  proxy.reset();
  start = performance.now();
  const verifyRound = await watchNetworkOnce(services, network("review"), { limit: ORDERS });
  const verifyRoundMs = performance.now() - start;
  const verifyRoundCalls = proxy.count() / ORDERS;
  if (verifyRound.checked !== ORDERS) throw new Error(`the round checked ${verifyRound.checked} of ${ORDERS}`);

  proxy.reset();
  start = performance.now();
  const creditRound = await watchNetworkOnce(services, network("auto"), { limit: ORDERS });
  const creditRoundMs = performance.now() - start;
  const creditRoundCalls = proxy.count() / ORDERS;
  if (creditRound.credited !== ORDERS) throw new Error(`the round credited ${creditRound.credited} of ${ORDERS}`);
  const credited = await db.prisma.topupOrder.count({ where: { network: "auto", status: "confirmed" } });
  const { mismatches } = await reconcile(db.prisma);
  if (credited !== ORDERS || mismatches.length) throw new Error(`credited ${credited}, reconcile mismatches ${mismatches.length}`);

  console.log("");
  console.log("RPC calls per verified transaction");
  console.log(`  baseline, plain ethers (default provider, receipt.getBlock, receipt.confirmations): ${baselineCalls.toFixed(2)}`);
  console.log(`  verifyTransfer on its own (chain id cached):                                        ${singleCalls.toFixed(2)}   (${ratio(baselineCalls, singleCalls)} fewer)`);
  console.log(`  inside a watcher round (head read once, block times shared):                        ${verifyRoundCalls.toFixed(2)}   (${ratio(baselineCalls, verifyRoundCalls)} fewer)`);
  console.log(`  watcher round that auto-confirms (+1 receipt re-read before each credit):           ${creditRoundCalls.toFixed(2)}`);
  console.log("");
  console.log(`Watcher time for ${ORDERS} submitted orders (PostgreSQL, anvil behind a proxy, rpcConcurrency 4)`);
  console.log(`  baseline, naive loop (verify + store, one order at a time): ${seconds(naiveMs)}   (${(ORDERS / (naiveMs / 1000)).toFixed(0)} orders/s, ${naiveCalls.toFixed(2)} calls each)`);
  console.log(`  watcher round, verify + store verdict + card edit:          ${seconds(verifyRoundMs)}   (${(ORDERS / (verifyRoundMs / 1000)).toFixed(0)} orders/s, ${versus(naiveMs, verifyRoundMs)})`);
  console.log(`  watcher round, auto-confirm all (re-check + credit):        ${seconds(creditRoundMs)}   (${(ORDERS / (creditRoundMs / 1000)).toFixed(0)} orders/s, ${versus(naiveMs, creditRoundMs)})`);
  console.log(`  ledger reconciles; ${credited} orders credited once each`);
} finally {
  closeChainClients();
  await db.close();
  await target.close();
  await proxy.close();
  await chain.close();
}
