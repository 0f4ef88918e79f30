import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import { closeChainClients } from "../../src/chain/rpc.ts";
import { startChainWatcher } from "../../src/payments/watcher.ts";
import type { Caller } from "../../src/core/command.ts";
import { createLogger } from "../../src/log.ts";
import type { Services } from "../../src/services.ts";
import { createOrder } from "../../src/topups/createOrder.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import { onPostgres } from "../helpers/db.ts";
import { createTestServices } from "../helpers/services.ts";
import { deployTestTokens, freePort, startAnvil, transfer, type AnvilChain, type TestTokens } from "../chain/anvil.ts";

/** A WebSocket relay in front of anvil's socket that a test can cut (closing every socket and refusing new ones) and restore. */
async function startWsRelay(target: string) {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  let cut = false;
  let connections = 0;
  server.on("connection", (client) => {
    if (cut) return client.terminate();
    connections += 1;
    const upstream = new WebSocket(target);
    const pending: string[] = [];
    upstream.on("open", () => pending.splice(0).forEach((m) => upstream.send(m)));
    client.on("message", (data) => (upstream.readyState === WebSocket.OPEN ? upstream.send(data.toString()) : pending.push(data.toString())));
    upstream.on("message", (data) => client.readyState === WebSocket.OPEN && client.send(data.toString()));
    client.on("close", () => upstream.close());
    upstream.on("close", () => client.terminate());
    client.on("error", () => undefined);
    upstream.on("error", () => client.terminate());
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    cut() {
      cut = true;
      for (const client of server.clients) client.terminate();
    },
    restore() {
      cut = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * New heads over WebSocket: with a ws:// URL the watcher works per block, reconnects a socket that
 * dropped, and keeps polling while it is down. Timing is never asserted: only what could have
 * triggered a credit (the poll interval of the first network is longer than the test).
 */
describe.skipIf(onPostgres)("the watcher on new heads", () => {
  let chain: AnvilChain;
  let tokens: TestTokens;
  let relay: Awaited<ReturnType<typeof startWsRelay>>;
  let services: Services;
  let userSeq = 0;
  const controller = new AbortController();
  let running: Promise<void>;
  const rounds = new Map<string, number>();

  beforeAll(async () => {
    chain = await startAnvil();
    tokens = await deployTestTokens(chain);
    relay = await startWsRelay(`ws://127.0.0.1:${chain.port}`);
    const common = {
      kind: "usdt",
      family: "evm",
      chainId: chain.chainId,
      tokenContract: await tokens.usdt6.getAddress(),
      decimals: 6,
      minimum: "1",
      confirmations: 2,
      explorerTxUrl: "https://explorer.test/tx/{hash}",
      rpcMinSpacingMs: 0,
      autoConfirm: true,
      autoConfirmCap: "100",
      bonus: { flatBps: 0 },
    };
    const methods = parseMethods({
      methods: [
        // Polls once an hour: within this test only a new head can start its rounds.
        { ...common, id: "heads", label: { en: "heads" }, depositAddress: chain.accounts[1], rpcUrls: [chain.url, relay.url], pollIntervalMs: 3_600_000 },
        // Its socket never connects: it lives on polling alone.
        { ...common, id: "nosocket", label: { en: "nosocket" }, depositAddress: chain.accounts[2], rpcUrls: [chain.url, `ws://127.0.0.1:${await freePort()}`], pollIntervalMs: 200 },
      ],
    });
    services = await createTestServices({ methods, env: { TRIAL_STAGE1_USD: "0" } });
    services.log = createLogger({ level: "silent" });
    running = startChainWatcher(services, controller.signal, { expiryIntervalMs: 0, onDetection: (r) => rounds.set(r.network, (rounds.get(r.network) ?? 0) + 1) });
    await until(() => (rounds.get("heads") ?? 0) >= 1 && relay.connections() >= 1, "the first round and the subscription");
  });

  afterAll(async () => {
    controller.abort();
    await running;
    closeChainClients();
    await services?.db.close();
    await relay?.close();
    await chain?.close();
  });

  async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000) {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function paidOrder(methodId: string, to: string) {
    userSeq += 1;
    const caller: Caller = { platform: "console", workspaceId: "local", userId: `heads-${userSeq}`, locale: "en", isSupport: false };
    const { id: accountId } = await resolveAccount(services, caller);
    const order = await createOrder(services, { accountId, caller, methodId, amount: "10" });
    await transfer(chain, tokens.usdt6, to, order.instructedAmount);
    return order;
  }

  const status = async (id: string) => (await services.prisma.topupOrder.findUniqueOrThrow({ where: { id } })).status;

  it("a new head starts a round: credited with no poll due", async () => {
    const before = rounds.get("heads")!;
    const order = await paidOrder("heads", chain.accounts[1]);
    await chain.mine(1);
    await until(async () => (await status(order.id)) === "confirmed", "the credit");
    // The credit commits inside the round; the round is counted when it has finished.
    await until(() => rounds.get("heads")! > before, "the round that credited it to be counted", 5_000);
    expect(rounds.get("heads")!).toBeGreaterThan(before);
  });

  it("a socket that drops is opened again, and heads start rounds again", async () => {
    const connected = relay.connections();
    relay.cut();
    await new Promise((r) => setTimeout(r, 300));
    relay.restore();
    await until(() => relay.connections() > connected, "the reconnection");
    const order = await paidOrder("heads", chain.accounts[1]);
    await chain.mine(1);
    await until(async () => (await status(order.id)) === "confirmed", "the credit after reconnecting");
  });

  it("while its socket is down, a network is still served by polling", async () => {
    const order = await paidOrder("nosocket", chain.accounts[2]);
    await chain.mine(1);
    await until(async () => (await status(order.id)) === "confirmed", "the credit by polling");
  });
});
