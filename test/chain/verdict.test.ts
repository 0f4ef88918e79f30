import { zeroPadValue, toBeHex } from "ethers";
import { describe, expect, it } from "vitest";
import { decideAuto } from "../../src/payments/decideAuto.ts";
import { hexToTron } from "../../src/chain/tron.ts";
import { parseVerdict } from "../../src/chain/verdict.ts";
import { verdictBlocks } from "../../src/views/verdictBlocks.ts";
import { applyReceipt, decodeTransferLog, finish, TRANSFER_TOPIC, type TransferVerdict } from "../../src/chain/verifyTransfer.ts";
import { translator } from "../../src/i18n.ts";
import { parseMethods, type UsdtNetwork } from "../../src/methods/paymentMethods.ts";

const TOKEN = "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c";
const DEPOSIT = "0x503aa4ad108bd3a89ba0310e23b49fb654cd6986";
const PAYER = "0x9d1015e669c2df831003c5c54ceb48da613d9979";
const topic = (address: string) => zeroPadValue(address, 32);
const amount = (raw: bigint) => zeroPadValue(toBeHex(raw), 32);

function network(overrides: Record<string, unknown> = {}): UsdtNetwork {
  return parseMethods({
    methods: [
      {
        id: "trc20",
        kind: "usdt",
        label: { en: "USDT on TRON" },
        family: "tron",
        chainId: 728126428,
        tokenContract: hexToTron(TOKEN),
        decimals: 6,
        depositAddress: hexToTron(DEPOSIT),
        minimum: "10",
        confirmations: 19,
        explorerTxUrl: "https://tronscan.org/#/transaction/{hash}",
        rpcUrls: ["https://rpc.example.test/jsonrpc"],
        autoConfirm: true,
        autoConfirmCap: "500",
        ...overrides,
      },
    ],
  }).methods[0] as UsdtNetwork;
}

function blankVerdict(net: UsdtNetwork, requested = 10_000_000n): TransferVerdict {
  return {
    version: 1,
    network: net.id,
    family: net.family,
    chainId: net.chainId,
    txHash: "0x" + "ab".repeat(32),
    explorerUrl: "https://tronscan.org/#/transaction/" + "ab".repeat(32),
    checkedAt: "2026-01-02T03:04:05.000Z",
    error: null,
    receiptFound: false,
    succeeded: null,
    blockNumber: null,
    blockHash: null,
    tokenContract: TOKEN,
    depositAddress: DEPOSIT,
    tokenMatched: false,
    recipientMatched: false,
    transferLogs: [],
    matchedLogIndexes: [],
    otherTransfers: [],
    decimals: net.decimals,
    amountRaw: "0",
    amountMicros: "0",
    requestedAmount: requested.toString(),
    minimum: net.minimum.toString(),
    amountVerdict: null,
    confirmations: null,
    requiredConfirmations: net.confirmations,
    confirmationsOk: false,
    blockTime: null,
    notBefore: "2026-01-02T02:00:00.000Z",
    blockTimeOk: null,
    allPassed: false,
  };
}

describe("Transfer log decoding", () => {
  it("decodes an ERC-20 Transfer and ignores an ERC-721 Transfer (same topic, tokenId indexed)", () => {
    const erc20 = { address: TOKEN.toUpperCase().replace("0X", "0x"), index: 3, topics: [TRANSFER_TOPIC, topic(PAYER), topic(DEPOSIT)], data: amount(12_345_678n) };
    expect(decodeTransferLog(erc20)).toEqual({ logIndex: 3, token: TOKEN, from: PAYER, to: DEPOSIT, amountRaw: "12345678" });
    const erc721 = { address: TOKEN, index: 4, topics: [TRANSFER_TOPIC, topic(PAYER), topic(DEPOSIT), amount(7n)], data: "0x" };
    expect(decodeTransferLog(erc721)).toBeNull();
    const approval = { address: TOKEN, index: 5, topics: ["0x" + "8c".repeat(32), topic(PAYER), topic(DEPOSIT)], data: amount(1n) };
    expect(decodeTransferLog(approval)).toBeNull();
  });

  it("sums only the configured token's logs to the deposit address", () => {
    const net = network();
    const verdict = blankVerdict(net);
    applyReceipt(verdict, {
      status: 1,
      blockNumber: 100,
      blockHash: "0x" + "cd".repeat(32),
      logs: [
        { address: TOKEN, index: 0, topics: [TRANSFER_TOPIC, topic(PAYER), topic(DEPOSIT)], data: amount(4_000_000n) },
        { address: PAYER, index: 1, topics: [TRANSFER_TOPIC, topic(PAYER), topic(DEPOSIT)], data: amount(99_000_000n) },
        { address: TOKEN, index: 2, topics: [TRANSFER_TOPIC, topic(PAYER), topic(PAYER)], data: amount(50_000_000n) },
        { address: TOKEN, index: 3, topics: [TRANSFER_TOPIC, topic(PAYER), topic(DEPOSIT)], data: amount(6_000_000n) },
      ] as never,
    });
    expect(verdict.matchedLogIndexes).toEqual([0, 3]);
    expect(verdict.amountMicros).toBe("10000000");
    expect(verdict.amountVerdict).toBe("exact");
    expect(verdict.otherTransfers.map((t) => t.logIndex)).toEqual([1, 2]);
  });
});

describe("verdict card lines", () => {
  const en = translator("en");

  it("shows TRON addresses in base58, the explorer link, and ✗ where a check failed", () => {
    const net = network();
    const verdict = blankVerdict(net, 20_000_000n);
    applyReceipt(verdict, {
      status: 1,
      blockNumber: 100,
      blockHash: "0x" + "cd".repeat(32),
      logs: [{ address: TOKEN, index: 0, topics: [TRANSFER_TOPIC, topic(PAYER), topic(DEPOSIT)], data: amount(12_000_000n) }] as never,
    });
    verdict.confirmations = 20;
    verdict.confirmationsOk = true;
    verdict.blockTime = "2026-01-02T03:00:00.000Z";
    verdict.blockTimeOk = true;
    finish(verdict);
    const blocks = verdictBlocks(JSON.parse(JSON.stringify(verdict)), en);
    const text = blocks.map((b) => ("text" in b ? b.text : "")).join("\n");
    expect(text).toContain(`✓ ${en("chain.check.token")}: ${hexToTron(TOKEN)}`);
    expect(text).toContain(`✓ ${en("chain.check.recipient")}: ${hexToTron(DEPOSIT)}`);
    expect(text).toContain(`✗ ${en("chain.check.amount")}: ${en("chain.amount.less_than_requested", { amount: "12.00", requested: "20.00" })}`);
    expect(text).toContain(`✓ ${en("chain.check.confirmations")}: 20 of 19`);
    expect(blocks).toContainEqual({ type: "link", label: en("chain.explorer"), url: verdict.explorerUrl });
    expect(verdictBlocks(verdict, en, { explorerLink: false }).some((b) => b.type === "link")).toBe(false);
  });

  it("an RPC failure says why, in the reader's language, and shows no check as passed", () => {
    const verdict = blankVerdict(network());
    verdict.error = { kind: "wrong_chain", message: "RPC rpc.example.test is on chain 1, expected 728126428", expectedChainId: 728126428, actualChainId: 1 };
    const zh = translator("zh-CN");
    const text = JSON.stringify(verdictBlocks(verdict, zh));
    expect(text).toContain(zh("chain.error.wrong_chain", { expected: 728126428, actual: 1 }));
    expect(text).not.toContain("✓");
  });

  it("ignores what is not a verdict of a known version (the order read model parses it once)", () => {
    expect(verdictBlocks(null, en)).toEqual([]);
    expect(parseVerdict({ checks: [] })).toBeNull();
    const stored = blankVerdict(network());
    expect(parseVerdict({ ...stored, version: 2 })).toBeNull();
    expect(verdictBlocks(parseVerdict({ checks: [] }), en)).toEqual([]);
    expect(parseVerdict(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
  });
});

describe("automatic confirmation decision", () => {
  const now = new Date("2026-01-02T04:00:00Z");
  const passed = (net: UsdtNetwork, micros: bigint) => {
    const v = blankVerdict(net, micros);
    Object.assign(v, { receiptFound: true, succeeded: true, tokenMatched: true, recipientMatched: true, amountMicros: micros.toString(), amountVerdict: "exact", confirmationsOk: true, blockTimeOk: true, transferLogs: [{}] });
    return finish(v);
  };

  it("credits only an all-passed verdict within the cap, on a network that auto-confirms", () => {
    expect(decideAuto(passed(network(), 500_000_000n), network(), now, now)).toEqual({ outcome: "eligible", watch: "settled", credit: true });
    expect(decideAuto(passed(network(), 500_000_001n), network(), now, now)).toEqual({ outcome: "above_cap", watch: "settled", credit: false });
    const manual = network({ autoConfirm: false, autoConfirmCap: undefined });
    expect(decideAuto(passed(manual, 10_000_000n), manual, now, now)).toEqual({ watch: "settled", credit: false });
  });

  it("an RPC error is never a pass and is looked at again", () => {
    const v = passed(network(), 10_000_000n);
    v.error = { kind: "timeout", message: "slow" };
    expect(decideAuto(finish(v), network(), now, now)).toEqual({ outcome: "rpc_unavailable", watch: "open", credit: false });
  });

  it("a hash with no receipt is looked for during an hour after submission, then left to support", () => {
    const v = blankVerdict(network());
    expect(decideAuto(v, network(), new Date(now.getTime() - 59 * 60_000), now).watch).toBe("open");
    expect(decideAuto(v, network(), new Date(now.getTime() - 61 * 60_000), now).watch).toBe("settled");
  });
});
