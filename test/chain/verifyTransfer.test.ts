import { randomBytes } from "node:crypto";
import { Transaction } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainClientFor, closeChainClients, createChainClient } from "../../src/chain/rpc.ts";
import { hexToTron } from "../../src/chain/tron.ts";
import { recheckReceipt, verifyTransfer, waitingForConfirmations, type TransferVerdict } from "../../src/chain/verifyTransfer.ts";
import { parseMethods, type UsdtNetwork } from "../../src/methods/paymentMethods.ts";
import { onPostgres } from "../helpers/db.ts";
import {
  deployTestTokens,
  payInTwo,
  payThroughContract,
  revertedTransfer,
  startAnvil,
  transfer,
  type AnvilChain,
  type TestTokens,
} from "./anvil.ts";
import { startRpcProxy, type RpcProxy } from "./rpcProxy.ts";

// These tests touch no database: they run once, in the PGlite project.
describe.skipIf(onPostgres)("verifyTransfer against anvil", () => {
  let chain: AnvilChain;
  let tokens: TestTokens;
  let proxy: RpcProxy;
  let usdt6: string;
  let usdt18: string;
  let deposit: string;
  let networkSeq = 0;

  const USD = 1_000_000n;
  const createdAt = () => new Date(Date.now() - 60_000);

  beforeAll(async () => {
    chain = await startAnvil();
    tokens = await deployTestTokens(chain);
    proxy = await startRpcProxy(chain.url);
    usdt6 = await tokens.usdt6.getAddress();
    usdt18 = await tokens.usdt18.getAddress();
    deposit = chain.accounts[1];
  });

  afterAll(async () => {
    closeChainClients();
    await proxy?.close();
    await chain?.close();
  });

  /** A network as an operator would configure it, parsed by the real config schema. */
  function network(overrides: Record<string, unknown> = {}): UsdtNetwork {
    networkSeq += 1;
    const config = parseMethods({
      methods: [
        {
          id: `anvil${networkSeq}`,
          kind: "usdt",
          label: { en: "USDT on anvil" },
          family: "evm",
          chainId: chain.chainId,
          tokenContract: usdt6,
          decimals: 6,
          depositAddress: deposit,
          minimum: "5",
          confirmations: 3,
          explorerTxUrl: "https://explorer.test/tx/{hash}",
          rpcUrls: [proxy.url],
          rpcMinSpacingMs: 0,
          rpcTimeoutMs: 2000,
          ...overrides,
        },
      ],
    });
    return config.methods[0] as UsdtNetwork;
  }

  async function verify(net: UsdtNetwork, txHash: string, requested = 10n * USD, created = createdAt()): Promise<TransferVerdict> {
    const verdict = await verifyTransfer({ network: net, txHash, requestedAmount: requested, createdAt: created });
    // What is stored on the order must survive JSON.
    expect(JSON.parse(JSON.stringify(verdict))).toEqual(verdict);
    return verdict;
  }

  it("exact payment: waits for N confirmations, then every check passes", async () => {
    const net = network();
    const hash = await transfer(chain, tokens.usdt6, deposit, 10_000_000n);

    const first = await verify(net, hash);
    expect(first.error).toBeNull();
    expect(first.receiptFound).toBe(true);
    expect(first.succeeded).toBe(true);
    expect(first.tokenMatched && first.recipientMatched).toBe(true);
    expect(first.amountRaw).toBe("10000000");
    expect(first.amountMicros).toBe("10000000");
    expect(first.amountVerdict).toBe("exact");
    expect(first.confirmations).toBe(1);
    expect(first.confirmationsOk).toBe(false);
    expect(first.blockTimeOk).toBe(true);
    expect(first.allPassed).toBe(false);
    expect(waitingForConfirmations(first)).toBe(true);

    await chain.mine(1);
    const second = await verify(net, hash);
    expect(second.confirmations).toBe(2);
    expect(second.allPassed).toBe(false);

    await chain.mine(1);
    const third = await verify(net, hash);
    expect(third.confirmations).toBe(3);
    expect(third.allPassed).toBe(true);
    expect(third.blockHash).toBe(first.blockHash);
    expect(third.matchedLogIndexes).toEqual([third.transferLogs[0].logIndex]);
    expect(third.transferLogs[0].from).toBe(chain.accounts[0].toLowerCase());
    expect(third.transferLogs[0].to).toBe(deposit.toLowerCase());
  });

  it("costs at most 3 RPC calls per verification; the chain id is checked once per client", async () => {
    const net = network();
    const hash = await transfer(chain, tokens.usdt6, deposit, 10_000_000n);
    proxy.reset();
    await verify(net, hash);
    expect(proxy.calls.filter((m) => m !== "eth_chainId")).toHaveLength(3);
    expect(proxy.count("eth_chainId")).toBe(1);
    expect(proxy.calls).toEqual(expect.arrayContaining(["eth_getTransactionReceipt", "eth_getBlockByHash", "eth_blockNumber"]));

    for (let i = 0; i < 3; i++) {
      proxy.reset();
      await verify(net, hash);
      expect(proxy.count()).toBeLessThanOrEqual(3);
      expect(proxy.count("eth_chainId")).toBe(0);
    }

    proxy.reset();
    const unknown = await verify(net, "0x" + randomBytes(32).toString("hex"));
    expect(unknown.receiptFound).toBe(false);
    expect(proxy.calls).toEqual(["eth_getTransactionReceipt"]);
  });

  it.each([
    ["under the minimum", 4_000_000n, "under_minimum"],
    ["less than requested", 7_000_000n, "less_than_requested"],
    ["more than requested", 12_500_000n, "more_than_requested"],
  ] as const)("%s: the amount verdict says so and nothing passes", async (_label, raw, expected) => {
    const net = network({ confirmations: 1 });
    const hash = await transfer(chain, tokens.usdt6, deposit, raw);
    const verdict = await verify(net, hash);
    expect(verdict.amountMicros).toBe(raw.toString());
    expect(verdict.amountVerdict).toBe(expected);
    expect(verdict.succeeded && verdict.tokenMatched && verdict.recipientMatched && verdict.confirmationsOk).toBe(true);
    expect(verdict.allPassed).toBe(false);
  });

  it("wrong token contract: the Transfer of another token is seen and not counted", async () => {
    const net = network({ confirmations: 1 });
    const hash = await transfer(chain, tokens.other6, deposit, 10_000_000n);
    const verdict = await verify(net, hash);
    expect(verdict.succeeded).toBe(true);
    expect(verdict.tokenMatched).toBe(false);
    expect(verdict.recipientMatched).toBe(false);
    expect(verdict.transferLogs).toEqual([]);
    expect(verdict.amountMicros).toBe("0");
    expect(verdict.amountVerdict).toBeNull();
    expect(verdict.otherTransfers).toEqual([expect.objectContaining({ token: (await tokens.other6.getAddress()).toLowerCase(), amountRaw: "10000000" })]);
    expect(verdict.allPassed).toBe(false);
  });

  it("wrong recipient: the right token to another address is not counted", async () => {
    const net = network({ confirmations: 1 });
    const hash = await transfer(chain, tokens.usdt6, chain.accounts[3], 10_000_000n);
    const verdict = await verify(net, hash);
    expect(verdict.tokenMatched).toBe(true);
    expect(verdict.recipientMatched).toBe(false);
    expect(verdict.amountMicros).toBe("0");
    expect(verdict.otherTransfers[0].to).toBe(chain.accounts[3].toLowerCase());
    expect(verdict.allPassed).toBe(false);
  });

  it("a reverted transfer (status 0) is found, marked failed, and carries no amount", async () => {
    const net = network({ confirmations: 1 });
    const hash = await revertedTransfer(chain, tokens.usdt6, deposit, 10_000_000n);
    const verdict = await verify(net, hash);
    expect(verdict.receiptFound).toBe(true);
    expect(verdict.succeeded).toBe(false);
    expect(verdict.transferLogs).toEqual([]);
    expect(verdict.allPassed).toBe(false);
  });

  it("an unknown hash: no receipt, nothing passes", async () => {
    const verdict = await verify(network(), "0x" + randomBytes(32).toString("hex"));
    expect(verdict.error).toBeNull();
    expect(verdict.receiptFound).toBe(false);
    expect(verdict.succeeded).toBeNull();
    expect(verdict.allPassed).toBe(false);
  });

  it("18 decimals: raw units convert to micro-USD, rounding sub-micro dust down", async () => {
    const net = network({ tokenContract: usdt18, decimals: 18, confirmations: 1 });
    const raw = 10_500_000_000_000_000_000n + 999_999_999_999n; // 10.5 USDT and 0.000000999999999999 of dust
    const hash = await transfer(chain, tokens.usdt18, deposit, raw);
    const verdict = await verify(net, hash, 10_500_000n);
    expect(verdict.amountRaw).toBe(raw.toString());
    expect(verdict.amountMicros).toBe("10500000");
    expect(verdict.amountVerdict).toBe("exact");
    expect(verdict.allPassed).toBe(true);
  });

  it("a transfer made inside another contract counts: logs are read, not calldata", async () => {
    const net = network({ confirmations: 1 });
    const hash = await payThroughContract(chain, tokens, tokens.usdt6, deposit, 10_000_000n);
    const tx = await chain.provider.getTransaction(hash);
    expect(tx?.to?.toLowerCase()).toBe((await tokens.payer.getAddress()).toLowerCase());
    const verdict = await verify(net, hash);
    expect(verdict.amountVerdict).toBe("exact");
    expect(verdict.allPassed).toBe(true);
  });

  it("two matching logs in one transaction are summed, each log index recorded", async () => {
    const net = network({ confirmations: 1 });
    const hash = await payInTwo(chain, tokens, tokens.usdt6, deposit, 4_000_000n, 6_000_000n);
    const verdict = await verify(net, hash);
    expect(verdict.transferLogs.map((l) => l.amountRaw)).toEqual(["4000000", "6000000"]);
    expect(verdict.matchedLogIndexes).toHaveLength(2);
    expect(new Set(verdict.matchedLogIndexes).size).toBe(2);
    expect(verdict.amountMicros).toBe("10000000");
    expect(verdict.allPassed).toBe(true);
  });

  it("addresses compare case-insensitively (configured in upper case)", async () => {
    const net = network({ tokenContract: "0x" + usdt6.slice(2).toUpperCase(), depositAddress: "0x" + deposit.slice(2).toUpperCase(), confirmations: 1 });
    const hash = await transfer(chain, tokens.usdt6, deposit, 10_000_000n);
    expect((await verify(net, hash)).allPassed).toBe(true);
  });

  it("a block older than the order (beyond the skew) fails the block time check", async () => {
    const net = network({ confirmations: 1, blockTimeSkewSeconds: 60 });
    const hash = await transfer(chain, tokens.usdt6, deposit, 10_000_000n);
    const verdict = await verify(net, hash, 10n * USD, new Date(Date.now() + 3_600_000));
    expect(verdict.blockTimeOk).toBe(false);
    expect(verdict.amountVerdict).toBe("exact");
    expect(verdict.allPassed).toBe(false);
  });

  it("TRON: base58 token and deposit addresses, a hash without 0x, over the same JSON-RPC", async () => {
    const net = network({ family: "tron", tokenContract: hexToTron(usdt6), depositAddress: hexToTron(deposit), confirmations: 1 });
    const hash = await transfer(chain, tokens.usdt6, deposit, 10_000_000n);
    const verdict = await verify(net, hash.slice(2).toUpperCase());
    expect(verdict.txHash).toBe(hash.toLowerCase());
    expect(verdict.depositAddress).toBe(deposit.toLowerCase());
    expect(verdict.allPassed).toBe(true);
  });

  it("reorg: a transaction reverted away vanishes; re-mined elsewhere it moves", async () => {
    const net = network({ confirmations: 2 });
    const snapshot = await chain.snapshot();
    const hash = await transfer(chain, tokens.usdt6, deposit, 10_000_000n);
    const raw = Transaction.from((await chain.provider.getTransaction(hash))!).serialized;
    await chain.mine(2);
    const before = await verify(net, hash);
    expect(before.allPassed).toBe(true);

    await chain.revert(snapshot);
    await chain.mine(4);
    const after = await verify(net, hash);
    expect(after.receiptFound).toBe(false);
    expect(after.allPassed).toBe(false);
    expect(await recheckReceipt(net, hash, before.blockHash!)).toEqual({ status: "vanished" });

    await chain.rpc("eth_sendRawTransaction", [raw]);
    await chain.mine(2);
    const moved = await recheckReceipt(net, hash, before.blockHash!);
    expect(moved.status).toBe("moved");
    const again = await verify(net, hash);
    expect(again.blockHash).not.toBe(before.blockHash);
    expect(again.allPassed).toBe(true);
    expect(await recheckReceipt(net, hash, again.blockHash!)).toEqual({ status: "same", blockHash: again.blockHash });
  });

  it("wrong chain id: the node answers, but for another chain, so nothing passes", async () => {
    const hash = await transfer(chain, tokens.usdt6, deposit, 10_000_000n);
    await chain.mine(3);
    const verdict = await verify(network({ chainId: 1 }), hash);
    expect(verdict.error).toMatchObject({ kind: "wrong_chain", expectedChainId: 1, actualChainId: chain.chainId });
    expect(verdict.receiptFound).toBe(false);
    expect(verdict.allPassed).toBe(false);

    proxy.lieAboutChainId(56);
    try {
      const lied = await verify(network(), hash);
      expect(lied.error).toMatchObject({ kind: "wrong_chain", actualChainId: 56 });
      expect(lied.allPassed).toBe(false);
    } finally {
      proxy.lieAboutChainId(null);
    }
  });

  it("a timeout is an error verdict, never a pass", async () => {
    const hash = await transfer(chain, tokens.usdt6, deposit, 10_000_000n);
    await chain.mine(3);
    const net = network({ rpcTimeoutMs: 300 });
    await verify(net, hash); // warm: chain id checked
    proxy.setDelay(1000);
    try {
      const verdict = await verify(net, hash);
      expect(verdict.error?.kind).toBe("timeout");
      expect(verdict.allPassed).toBe(false);
    } finally {
      proxy.setDelay(0);
    }
  });

  it("HTTP 429 is retried with backoff and the verification still completes", async () => {
    const hash = await transfer(chain, tokens.usdt6, deposit, 10_000_000n);
    await chain.mine(3);
    const net = network();
    const client = chainClientFor(net);
    await verify(net, hash);
    proxy.reset();
    proxy.throttleNext(2);
    const verdict = await verify(net, hash);
    expect(verdict.error).toBeNull();
    expect(verdict.allPassed).toBe(true);
    expect(client.stats.throttled).toBe(2);
    expect(proxy.count()).toBe(5);
  });

  it("a node that is down yields an error verdict; once back, the same check passes", async () => {
    const hash = await transfer(chain, tokens.usdt6, deposit, 10_000_000n);
    await chain.mine(3);
    const direct = network({ rpcUrls: [chain.url] });
    expect((await verify(direct, hash)).allPassed).toBe(true);
    await chain.stop();
    try {
      const down = await verify(direct, hash);
      expect(down.error?.kind).toBe("rpc_error");
      expect(down.error?.message).not.toContain("http://");
      expect(down.allPassed).toBe(false);
    } finally {
      await chain.restart();
    }
    expect((await verify(direct, hash)).allPassed).toBe(true);
  });

  it("several URLs: a FallbackProvider skips a URL that is down", async () => {
    const hash = await transfer(chain, tokens.usdt6, deposit, 10_000_000n);
    await chain.mine(3);
    const dead = `http://127.0.0.1:${chain.port === 1 ? 2 : 1}`;
    const net = network({ rpcUrls: [dead, proxy.url] });
    const client = createChainClient(net);
    try {
      const verdict = await verifyTransfer({ network: net, txHash: hash, requestedAmount: 10n * USD, createdAt: createdAt() }, { client });
      expect(verdict.error).toBeNull();
      expect(verdict.allPassed).toBe(true);
    } finally {
      client.destroy();
    }
  });
});
