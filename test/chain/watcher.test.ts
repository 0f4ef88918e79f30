import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import { autoConfirmOrder } from "../../src/payments/autoConfirmOrder.ts";
import { recheckOrder } from "../../src/payments/recheckOrder.ts";
import { closeChainClients } from "../../src/chain/rpc.ts";
import { hexToTron } from "../../src/chain/tron.ts";
import { verdictBlocks } from "../../src/views/verdictBlocks.ts";
import type { TransferVerdict } from "../../src/chain/verifyTransfer.ts";
import { startChainWatcher, watchNetworkOnce } from "../../src/payments/watcher.ts";
import type { Caller } from "../../src/core/command.ts";
import { UserError } from "../../src/errors.ts";
import { translator } from "../../src/i18n.ts";
import { formatUsd, microsToTokenUnits } from "../../src/ledger/money.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import type { Reply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { confirmTopup } from "../../src/topups/confirmTopup.ts";
import { createOrder } from "../../src/topups/createOrder.ts";
import { findMethod, parseMethods, type UsdtNetwork } from "../../src/methods/paymentMethods.ts";
import { rejectTopup } from "../../src/topups/rejectTopup.ts";
import { submitProof } from "../../src/topups/submitProof.ts";
import { drawn } from "../helpers/outbox.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";
import { deployTestTokens, payThroughContract, revertedTransfer, startAnvil, transfer, type AnvilChain, type TestTokens } from "./anvil.ts";
import { startRpcProxy, type RpcProxy } from "./rpcProxy.ts";

/**
 * The chain watcher end to end: real orders (createOrder, submitProof), a real chain (anvil), the
 * watcher's rounds, the confirm path, and the ledger. Nothing of the project is replaced.
 */
describe("chain watcher against anvil", () => {
  let chain: AnvilChain;
  let tokens: TestTokens;
  let proxy: RpcProxy;
  let services: Services;
  let deposit: string;
  let userSeq = 0;
  const t = translator("en");
  const support: Caller = { platform: "console", workspaceId: "local", userId: "support-1", displayName: "Sam", locale: "en", isSupport: true };
  const supportDecider = { type: "support" as const, platform: "console" as const, workspaceId: "local", userId: "support-1", displayName: "Sam" };

  beforeAll(async () => {
    chain = await startAnvil();
    tokens = await deployTestTokens(chain);
    proxy = await startRpcProxy(chain.url);
    deposit = chain.accounts[1];
    const usdt6 = await tokens.usdt6.getAddress();
    const usdt18 = await tokens.usdt18.getAddress();
    const common = {
      kind: "usdt",
      family: "evm",
      chainId: chain.chainId,
      tokenContract: usdt6,
      decimals: 6,
      depositAddress: deposit,
      minimum: "5",
      maximum: "1000",
      confirmations: 3,
      explorerTxUrl: "https://explorer.test/tx/{hash}",
      rpcUrls: [proxy.url],
      rpcMinSpacingMs: 0,
      rpcTimeoutMs: 2000,
      pollIntervalMs: 100,
      autoConfirm: true,
      autoConfirmCap: "100",
      bonus: { flatBps: 2000 },
    };
    const methods = parseMethods({
      methods: [
        { ...common, id: "auto6", label: { en: "USDT (anvil, 6)" } },
        { ...common, id: "auto18", label: { en: "USDT (anvil, 18)" }, tokenContract: usdt18, decimals: 18, confirmations: 2 },
        { ...common, id: "tron6", label: { en: "USDT (anvil as TRON)" }, family: "tron", tokenContract: hexToTron(usdt6), depositAddress: hexToTron(deposit), confirmations: 1 },
        { ...common, id: "direct6", label: { en: "USDT (anvil, direct)" }, rpcUrls: [chain.url], confirmations: 2 },
        { ...common, id: "lying", label: { en: "USDT (chain 1 configured)" }, chainId: 1, confirmations: 1 },
        { ...common, id: "review6", label: { en: "USDT (no auto)" }, autoConfirm: false, autoConfirmCap: undefined, confirmations: 1 },
      ],
    });
    services = await createTestServices({ methods, env: { TRIAL_STAGE1_USD: "0" } });
  });

  afterAll(async () => {
    closeChainClients();
    await services?.db.close();
    await proxy?.close();
    await chain?.close();
  });

  const network = (id: string) => findMethod(services.methods, id) as UsdtNetwork;
  const round = (id: string) => watchNetworkOnce(services, network(id));

  async function newCustomer() {
    userSeq += 1;
    const caller: Caller = { platform: "console", workspaceId: "local", userId: `customer-${userSeq}`, displayName: `C${userSeq}`, locale: "en", isSupport: false };
    const account = await resolveAccount(services, caller);
    return { caller, accountId: account.id };
  }

  /**
   * A customer asks for `amount` on `methodId`, pays with `pay` (given what the order was told to
   * pay, in the token's raw units), and submits the hash (as typed).
   */
  async function paidOrder(methodId: string, amount: string, pay: (due: bigint) => Promise<string>, typed?: (hash: string) => string) {
    const { caller, accountId } = await newCustomer();
    const order = await createOrder(services, { accountId, caller, methodId, amount });
    const txHash = await pay(microsToTokenUnits(order.instructedAmount, network(methodId).decimals));
    await submitProof(services, { accountId, caller, orderRef: order.orderNo, txHash: typed ? typed(txHash) : txHash, screenshot: { name: "paid.png", bytes: PNG_BYTES } });
    const paid = order.instructedAmount;
    return { caller, accountId, orderId: order.id, orderNo: order.orderNo, txHash: txHash.toLowerCase(), paid, credit: { principal: paid, bonus: paid / 5n } };
  }

  async function orderOf(id: string) {
    return services.prisma.topupOrder.findUniqueOrThrow({ where: { id } });
  }

  async function verdictOf(id: string) {
    return (await orderOf(id)).verdict as unknown as TransferVerdict;
  }

  async function balances(accountId: string) {
    const rows = await services.prisma.balance.findMany({ where: { accountId } });
    return Object.fromEntries(rows.filter((r) => r.amount !== 0n).map((r) => [r.bucket, r.amount]));
  }

  async function entries(accountId: string) {
    const rows = await services.prisma.ledgerEntry.findMany({ where: { accountId }, orderBy: { id: "asc" } });
    return rows.map((e) => [e.type, e.amount, e.actorType]);
  }

  /** The text of the last card edit enqueued for an order. */
  async function lastCardText(orderId: string): Promise<string> {
    const rows = await services.prisma.outboxMessage.findMany({ where: { kind: "card_update" }, orderBy: { id: "desc" } });
    const card = rows.find((r) => (r.payload as { cardKey?: string }).cardKey === `order:${orderId}`);
    expect(card, "a card update was enqueued").toBeTruthy();
    return (await drawn(services, card!)).blocks.map((b) => ("text" in b ? b.text : "fields" in b ? b.fields.map((f) => `${f.label}: ${f.value}`).join("\n") : "")).join("\n");
  }


  it("exact payment: auto-confirmed after N confirmations, not before; credited once, by the system", async () => {
    const paid = await paidOrder("auto6", "10", (due) => transfer(chain, tokens.usdt6, deposit, due));

    await round("auto6");
    expect((await orderOf(paid.orderId)).status).toBe("submitted");
    expect((await verdictOf(paid.orderId)).auto?.outcome).toBe("waiting_confirmations");
    expect(await balances(paid.accountId)).toEqual({});

    await chain.mine(1);
    await round("auto6");
    expect((await orderOf(paid.orderId)).status).toBe("submitted");
    expect((await verdictOf(paid.orderId)).confirmations).toBe(2);

    await chain.mine(1);
    const result = await round("auto6");
    expect(result.credited).toBe(1);
    const order = await orderOf(paid.orderId);
    expect(order.status).toBe("confirmed");
    expect(order.decidedByType).toBe("system");
    expect(await balances(paid.accountId)).toEqual(paid.credit);
    expect(await entries(paid.accountId)).toEqual([
      ["usdt_topup", paid.credit.principal, "system"],
      ["topup_bonus", paid.credit.bonus, "system"],
    ]);
    const verdict = await verdictOf(paid.orderId);
    const credited = await services.prisma.creditedLog.findMany({ where: { txHash: paid.txHash } });
    expect(credited).toEqual([expect.objectContaining({ chainKey: `evm:${chain.chainId}`, network: "auto6", orderId: paid.orderId, logIndex: verdict.matchedLogIndexes[0], amountRaw: paid.paid.toString() })]);
    const dm = await services.prisma.outboxMessage.findFirstOrThrow({ where: { dedupeKey: `order:${paid.orderId}:dm:confirmed` } });
    expect(JSON.stringify(await drawn(services, dm))).toContain(
      t("topups.dm.confirmed_auto", { order: paid.orderNo, principal: formatUsd(paid.credit.principal), bonus: formatUsd(paid.credit.bonus), total: formatUsd(paid.paid + paid.credit.bonus) }),
    );
    const card = await lastCardText(paid.orderId);
    expect(card).toContain(t("topups.card.automatic"));
    expect(card).not.toContain("✗");

    // Later rounds and a second credit attempt change nothing.
    await chain.mine(2);
    await round("auto6");
    await expect(autoConfirmOrder(services, network("auto6"), { id: paid.orderId, txHash: paid.txHash }, verdict)).resolves.toBe("skipped");
    expect(await entries(paid.accountId)).toHaveLength(2);
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });

  it("above the cap: left for support with every check ✓; support's click credits it", async () => {
    const paid = await paidOrder("auto6", "150", (due) => transfer(chain, tokens.usdt6, deposit, due));
    await chain.mine(3);
    await round("auto6");
    const verdict = await verdictOf(paid.orderId);
    expect(verdict.allPassed).toBe(true);
    expect(verdict.auto?.outcome).toBe("above_cap");
    expect((await orderOf(paid.orderId)).status).toBe("submitted");
    expect(await balances(paid.accountId)).toEqual({});

    const card = await lastCardText(paid.orderId);
    expect(card).not.toContain("✗");
    expect(card.match(/✓/g)).toHaveLength(7);
    expect(card).toContain(t("chain.auto.above_cap", { cap: "100.00" }));

    await confirmTopup(services, { orderRef: paid.orderNo, decider: supportDecider });
    expect(await balances(paid.accountId)).toEqual(paid.credit);
    await round("auto6");
    expect(await entries(paid.accountId)).toHaveLength(2);
  });

  it.each([
    ["under the minimum", "10", 4_000_000n, "under_minimum"],
    ["less than requested", "10", 7_000_000n, "less_than_requested"],
    ["more than requested", "10", 12_500_000n, "more_than_requested"],
  ] as const)("%s: the verdict says so, nothing is credited, support decides", async (_label, amount, raw, expected) => {
    const paid = await paidOrder("auto6", amount, () => transfer(chain, tokens.usdt6, deposit, raw));
    await chain.mine(3);
    await round("auto6");
    const verdict = await verdictOf(paid.orderId);
    expect(verdict.amountVerdict).toBe(expected);
    expect(verdict.amountMicros).toBe(raw.toString());
    expect(verdict.auto?.outcome).toBe("not_passed");
    expect(verdict.watch).toBe("settled");
    expect((await orderOf(paid.orderId)).status).toBe("submitted");
    expect(await balances(paid.accountId)).toEqual({});
    expect(await lastCardText(paid.orderId)).toContain(`✗ ${t("chain.check.amount")}`);

    if (expected === "under_minimum") {
      await rejectTopup(services, { orderRef: paid.orderNo, decider: supportDecider, reason: "below_minimum" });
      expect((await orderOf(paid.orderId)).status).toBe("rejected");
      expect(await balances(paid.accountId)).toEqual({});
    } else {
      // Support confirms what actually arrived: the principal is the verified amount, the bonus follows it.
      await confirmTopup(services, { orderRef: paid.orderNo, decider: supportDecider });
      expect(await balances(paid.accountId)).toEqual({ principal: raw, bonus: raw / 5n });
    }
  });

  it.each([
    ["wrong token contract", "token", (due: bigint) => transfer(chain, tokens.other6, deposit, due)],
    ["wrong recipient", "recipient", (due: bigint) => transfer(chain, tokens.usdt6, chain.accounts[3], due)],
    ["a reverted transfer (status 0)", "status", (due: bigint) => revertedTransfer(chain, tokens.usdt6, deposit, due)],
  ] as const)("%s: not credited, with ✗ on the right check", async (_label, failing, pay) => {
    const paid = await paidOrder("auto6", "10", pay);
    await chain.mine(3);
    await round("auto6");
    const verdict = await verdictOf(paid.orderId);
    expect(verdict.allPassed).toBe(false);
    expect((await orderOf(paid.orderId)).status).toBe("submitted");
    expect(await balances(paid.accountId)).toEqual({});
    const card = await lastCardText(paid.orderId);
    expect(card).toContain(`✗ ${t(`chain.check.${failing}`)}`);
    expect(card).toContain(`✓ ${t("chain.check.receipt")}`);
  });

  it("an unknown hash: not credited, ✗ not found, and looked for again next round", async () => {
    const unknown = "0x" + randomBytes(32).toString("hex");
    const paid = await paidOrder("auto6", "10", async () => unknown);
    await round("auto6");
    const verdict = await verdictOf(paid.orderId);
    expect(verdict.receiptFound).toBe(false);
    expect(verdict.watch).toBe("open");
    expect(await lastCardText(paid.orderId)).toContain(`✗ ${t("chain.check.receipt")}: ${t("chain.value.not_found")}`);
    proxy.reset();
    await round("auto6");
    expect(proxy.calls.filter((m) => m === "eth_getTransactionReceipt").length).toBeGreaterThanOrEqual(1);
    expect(await balances(paid.accountId)).toEqual({});
  });

  it("18 decimals: credited with the right micro-USD amount", async () => {
    const paid = await paidOrder("auto18", "10.5", (due) => transfer(chain, tokens.usdt18, deposit, due));
    await chain.mine(2);
    await round("auto18");
    expect((await orderOf(paid.orderId)).status).toBe("confirmed");
    expect(await balances(paid.accountId)).toEqual(paid.credit);
    const [log] = await services.prisma.creditedLog.findMany({ where: { orderId: paid.orderId } });
    expect(log.amountRaw).toBe((paid.paid * 10n ** 12n).toString());
  });

  it("paid through another contract: credited from the receipt's logs", async () => {
    const paid = await paidOrder("auto6", "20", (due) => payThroughContract(chain, tokens, tokens.usdt6, deposit, due));
    await chain.mine(3);
    await round("auto6");
    expect(await balances(paid.accountId)).toEqual(paid.credit);
  });

  it("TRON: base58 configuration and a hash pasted without 0x are credited", async () => {
    const paid = await paidOrder("tron6", "10", (due) => transfer(chain, tokens.usdt6, deposit, due), (h) => h.slice(2));
    expect((await orderOf(paid.orderId)).txHash).toBe(paid.txHash);
    await round("tron6");
    expect(await balances(paid.accountId)).toEqual(paid.credit);
  });

  it("reorg before the watcher sees enough confirmations: the transaction is gone, nothing is credited", async () => {
    const snapshot = await chain.snapshot();
    const paid = await paidOrder("auto6", "10", (due) => transfer(chain, tokens.usdt6, deposit, due));
    await chain.mine(1);
    await round("auto6");
    expect((await verdictOf(paid.orderId)).auto?.outcome).toBe("waiting_confirmations");
    await chain.revert(snapshot);
    await chain.mine(5); // a different chain, longer than the one that held the payment
    await round("auto6");
    const verdict = await verdictOf(paid.orderId);
    expect(verdict.receiptFound).toBe(false);
    expect((await orderOf(paid.orderId)).status).toBe("submitted");
    expect(await balances(paid.accountId)).toEqual({});
  });

  it("reorg right before crediting: the last receipt check finds it gone; back to review with a note", async () => {
    const snapshot = await chain.snapshot();
    const paid = await paidOrder("auto6", "10", (due) => transfer(chain, tokens.usdt6, deposit, due));
    await chain.mine(3);
    // The chain reorganises between the verification and the last look before crediting.
    let receipts = 0;
    proxy.onCall(async (method, params) => {
      if (method !== "eth_getTransactionReceipt" || String(params[0]).toLowerCase() !== paid.txHash) return;
      receipts += 1;
      if (receipts === 2) {
        await chain.revert(snapshot);
        await chain.mine(6);
      }
    });
    try {
      await round("auto6");
    } finally {
      proxy.onCall(null);
    }
    expect(receipts).toBe(2);
    const order = await orderOf(paid.orderId);
    expect(order.status).toBe("submitted");
    expect(order.reviewNote).toBe(t("chain.note.reorg_vanished", { hash: paid.txHash }));
    expect((order.verdict as unknown as TransferVerdict).auto?.outcome).toBe("reorg_vanished");
    expect(await balances(paid.accountId)).toEqual({});
    expect(await services.prisma.creditedLog.count({ where: { orderId: paid.orderId } })).toBe(0);
    expect(await lastCardText(paid.orderId)).toContain(order.reviewNote!);
    const audit = await services.prisma.auditLog.findFirst({ where: { orderId: paid.orderId, action: "topup.auto_confirm" } });
    expect(audit?.outcome).toBe("refused:reorg_vanished");
    // Held for a person: later rounds do not credit it.
    await round("auto6");
    expect((await orderOf(paid.orderId)).status).toBe("submitted");
  });

  it("reorg that moves the transaction to another block: not credited automatically", async () => {
    const snapshot = await chain.snapshot();
    const paid = await paidOrder("auto6", "10", (due) => transfer(chain, tokens.usdt6, deposit, due));
    const raw = (await chain.provider.getTransaction(paid.txHash))!;
    const { Transaction } = await import("ethers");
    const serialized = Transaction.from(raw).serialized;
    await chain.mine(3);
    let receipts = 0;
    proxy.onCall(async (method, params) => {
      if (method !== "eth_getTransactionReceipt" || String(params[0]).toLowerCase() !== paid.txHash) return;
      receipts += 1;
      if (receipts === 2) {
        await chain.revert(snapshot);
        await chain.mine(2);
        await chain.rpc("eth_sendRawTransaction", [serialized]);
        await chain.mine(3);
      }
    });
    try {
      await round("auto6");
    } finally {
      proxy.onCall(null);
    }
    const order = await orderOf(paid.orderId);
    expect((order.verdict as unknown as TransferVerdict).auto?.outcome).toBe("reorg_moved");
    expect(order.reviewNote).toContain(paid.txHash);
    expect(order.status).toBe("submitted");
    expect(await balances(paid.accountId)).toEqual({});
  });

  it("anvil stopped mid-way: nothing confirmed, the card says why; once the node is back it is credited", async () => {
    const paid = await paidOrder("direct6", "10", (due) => transfer(chain, tokens.usdt6, deposit, due));
    await round("direct6");
    expect((await verdictOf(paid.orderId)).auto?.outcome).toBe("waiting_confirmations");
    await chain.stop();
    try {
      const down = await round("direct6");
      expect(down.rpcFailures).toBe(1);
      const verdict = await verdictOf(paid.orderId);
      expect(verdict.error?.kind).toBe("rpc_error");
      expect(verdict.auto?.outcome).toBe("rpc_unavailable");
      expect((await orderOf(paid.orderId)).status).toBe("submitted");
      expect(await balances(paid.accountId)).toEqual({});
      expect(await lastCardText(paid.orderId)).toContain(t("chain.auto.rpc_unavailable"));
    } finally {
      await chain.restart();
    }
    await chain.mine(1);
    // A connection pooled before the restart may fail once; the next round is the retry.
    for (let i = 0; i < 3 && (await orderOf(paid.orderId)).status === "submitted"; i++) await round("direct6");
    expect((await orderOf(paid.orderId)).status).toBe("confirmed");
    expect(await balances(paid.accountId)).toEqual(paid.credit);
  });

  it("an RPC on the wrong chain never confirms: the order waits for a person", async () => {
    const paid = await paidOrder("lying", "10", (due) => transfer(chain, tokens.usdt6, deposit, due));
    await chain.mine(2);
    await round("lying");
    const verdict = await verdictOf(paid.orderId);
    expect(verdict.error).toMatchObject({ kind: "wrong_chain", expectedChainId: 1, actualChainId: chain.chainId });
    expect(verdict.allPassed).toBe(false);
    expect((await orderOf(paid.orderId)).status).toBe("submitted");
    expect(await balances(paid.accountId)).toEqual({});
    expect(await lastCardText(paid.orderId)).toContain(t("chain.error.wrong_chain", { expected: 1, actual: chain.chainId }));
  });

  it("the same hash submitted for a second order is refused; the payment is credited once", async () => {
    const first = await paidOrder("auto6", "10", (due) => transfer(chain, tokens.usdt6, deposit, due));
    const other = await newCustomer();
    const second = await createOrder(services, { accountId: other.accountId, caller: other.caller, methodId: "auto6", amount: "10" });
    const attempt = submitProof(services, {
      accountId: other.accountId,
      caller: other.caller,
      orderRef: second.orderNo,
      txHash: first.txHash.toUpperCase().replace("0X", "0x"),
      screenshot: { name: "paid.png", bytes: PNG_BYTES },
    });
    await expect(attempt).rejects.toMatchObject({ key: "errors.tx_hash_used_by", params: { order: first.orderNo } });
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    await chain.mine(3);
    await round("auto6");
    expect(await balances(first.accountId)).toEqual(first.credit);
    expect(await balances(other.accountId)).toEqual({});
    expect((await orderOf(second.id)).status).toBe("pending");
    expect(await services.prisma.creditedLog.count({ where: { txHash: first.txHash } })).toBe(1);
  });

  it("a network without automatic confirmation only reports: support decides, and can re-check", async () => {
    const paid = await paidOrder("review6", "10", (due) => transfer(chain, tokens.usdt6, deposit, due));
    await round("review6");
    const verdict = await verdictOf(paid.orderId);
    expect(verdict.allPassed).toBe(true);
    expect(verdict.auto).toBeUndefined();
    expect((await orderOf(paid.orderId)).status).toBe("submitted");
    const { verdict: again } = await recheckOrder(services, paid.orderNo);
    expect(again.allPassed).toBe(true);
    expect(again.confirmations).toBeGreaterThanOrEqual(verdict.confirmations!);
    expect(await balances(paid.accountId)).toEqual({});
    const blocks = verdictBlocks(again, translator("zh-CN"));
    expect(blocks.some((b) => b.type === "link" && b.url === `https://explorer.test/tx/${paid.txHash}`)).toBe(true);
    expect(JSON.stringify(blocks)).toContain("✓ 代币合约");
  });

  it("the watcher loop credits on its own and expires pending orders; it stops when aborted", async () => {
    const paid = await paidOrder("auto6", "10", (due) => transfer(chain, tokens.usdt6, deposit, due));
    await chain.mine(3);
    const late = await newCustomer();
    const pending = await createOrder(services, { accountId: late.accountId, caller: late.caller, methodId: "auto6", amount: "10" });
    await services.prisma.topupOrder.update({ where: { id: pending.id }, data: { expiresAt: new Date(Date.now() - 1000) } });

    const controller = new AbortController();
    const running = startChainWatcher(services, controller.signal, { expiryIntervalMs: 100 });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const [a, b] = await Promise.all([orderOf(paid.orderId), orderOf(pending.id)]);
      if (a.status === "confirmed" && b.status === "expired") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    controller.abort();
    await running;
    expect((await orderOf(paid.orderId)).status).toBe("confirmed");
    expect((await orderOf(pending.id)).status).toBe("expired");
    expect(await balances(paid.accountId)).toEqual(paid.credit);
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });
});
