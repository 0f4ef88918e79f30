import { randomBytes } from "node:crypto";
import { getAddress, HDNodeWallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import { closeChainClients } from "../../src/chain/rpc.ts";
import type { TransferVerdict } from "../../src/chain/verifyTransfer.ts";
import { watchNetworkOnce } from "../../src/payments/watcher.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { translator } from "../../src/i18n.ts";
import { formatDecimal, microsToTokenUnits } from "../../src/ledger/money.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { creditTransfer, dismissTransfer } from "../../src/payments/creditTransfer.ts";
import { detectPaymentsOnce } from "../../src/payments/detectPayments.ts";
import { formatPaymentNo } from "../../src/payments/paymentNo.ts";
import type { Reply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { confirmTopup } from "../../src/topups/confirmTopup.ts";
import { createOrder } from "../../src/topups/createOrder.ts";
import { expireOrders } from "../../src/topups/expireOrders.ts";
import { findMethod, parseMethods, type UsdtNetwork } from "../../src/methods/paymentMethods.ts";
import { rejectTopup } from "../../src/topups/rejectTopup.ts";
import { reopenOrder } from "../../src/topups/reopenOrder.ts";
import { submitProof } from "../../src/topups/submitProof.ts";
import { drawn } from "../helpers/outbox.ts";
import { createTestServices, PNG_BYTES, TEST_METHODS_JSON } from "../helpers/services.ts";
import { batchWithdrawal, deployTestTokens, startAnvil, transfer, type AnvilChain, type TestTokens } from "../chain/anvil.ts";
import { startRpcProxy, type RpcProxy } from "../chain/rpcProxy.ts";

/** The account-level key (m/44'/60'/0') of the BIP-39 test mnemonic "abandon … about": public only. */
const ABANDON_XPUB = HDNodeWallet.fromPhrase("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", undefined, "m/44'/60'/0'").neuter().extendedKey;

/**
 * Payments are bound to the orders they were made for (PRODUCT §3 "Attribution"), end to end:
 * real orders and proofs, a real chain (anvil) behind a counting proxy, the watcher's log scan
 * and its hash verification, the confirm path, and the ledger. Nothing of the project is replaced.
 */
describe("payment attribution against anvil", () => {
  let chain: AnvilChain;
  let tokens: TestTokens;
  let proxy: RpcProxy;
  let services: Services;
  let deposit: string;
  let userSeq = 0;
  const t = translator("en");
  const support = { type: "support" as const, platform: "console" as const, workspaceId: "local", userId: "support-1", displayName: "Sam" };

  beforeAll(async () => {
    chain = await startAnvil();
    tokens = await deployTestTokens(chain);
    proxy = await startRpcProxy(chain.url);
    deposit = chain.accounts[1];
    const common = {
      kind: "usdt",
      family: "evm",
      chainId: chain.chainId,
      tokenContract: await tokens.usdt6.getAddress(),
      decimals: 6,
      depositAddress: deposit,
      minimum: "5",
      maximum: "1000",
      confirmations: 3,
      explorerTxUrl: "https://explorer.test/tx/{hash}",
      rpcUrls: [proxy.url],
      rpcMinSpacingMs: 0,
      rpcTimeoutMs: 2000,
      autoConfirm: true,
      autoConfirmCap: "100",
      bonus: { flatBps: 2000 },
    };
    const methods = parseMethods({
      methods: [
        { ...common, id: "auto", label: { en: "USDT (anvil)" } },
        // The same chain, token and address under another method id.
        { ...common, id: "auto2", label: { en: "USDT (anvil, second method)" } },
        { ...common, id: "review", label: { en: "USDT (anvil, reviewed)" }, autoConfirm: false, autoConfirmCap: undefined, confirmations: 1 },
        { ...common, id: "own", label: { en: "USDT (anvil, own addresses)" }, attribution: "per-account-address", depositAddress: undefined, xpub: ABANDON_XPUB },
        { ...common, id: "tronish", label: { en: "USDT (TRON, no RPC)" }, family: "tron", chainId: 728126428, tokenContract: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", depositAddress: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", rpcUrls: [], autoConfirm: false, autoConfirmCap: undefined },
        TEST_METHODS_JSON.methods.find((m) => m.id === "bank"),
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
  const scan = (id: string) => detectPaymentsOnce(services, network(id));
  const round = (id: string) => watchNetworkOnce(services, network(id));
  const raw = (micros: bigint) => microsToTokenUnits(micros, 6);
  const randomHash = () => "0x" + randomBytes(32).toString("hex");

  async function newCustomer() {
    userSeq += 1;
    const caller: Caller = { platform: "console", workspaceId: "local", userId: `customer-${userSeq}`, displayName: `C${userSeq}`, locale: "en", isSupport: false };
    const account = await resolveAccount(services, caller);
    return { caller, accountId: account.id };
  }

  async function newOrder(methodId: string, amount: string, who?: Awaited<ReturnType<typeof newCustomer>>) {
    const customer = who ?? (await newCustomer());
    const order = await createOrder(services, { accountId: customer.accountId, caller: customer.caller, methodId, amount });
    return { ...customer, order };
  }

  function prove(who: { caller: Caller; accountId: string }, orderNo: string, txHash: string, screenshot = PNG_BYTES) {
    return submitProof(services, { accountId: who.accountId, caller: who.caller, orderRef: orderNo, txHash, screenshot: { name: "paid.png", bytes: screenshot } });
  }

  const orderOf = (id: string) => services.prisma.topupOrder.findUniqueOrThrow({ where: { id } });

  async function balances(accountId: string) {
    const rows = await services.prisma.balance.findMany({ where: { accountId } });
    return Object.fromEntries(rows.filter((r) => r.amount !== 0n).map((r) => [r.bucket, r.amount]));
  }

  const credit = (paid: bigint) => ({ principal: paid, bonus: paid / 5n });

  async function expectReconciled() {
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  }

  /** The text of the newest card posted or edited for a card key. */
  async function cardText(cardKey: string): Promise<string> {
    const rows = await services.prisma.outboxMessage.findMany({ where: { kind: { in: ["support_card", "card_update"] } }, orderBy: { id: "desc" } });
    const row = rows.find((r) => (r.payload as { cardKey?: string }).cardKey === cardKey);
    expect(row, `a card for ${cardKey}`).toBeTruthy();
    return JSON.stringify((await drawn(services, row!)).blocks);
  }

  it("the attack: a copied hash earns the attacker nothing, and the victim is credited by detection without a hash", async () => {
    const victim = await newOrder("auto", "10");
    const attacker = await newOrder("auto", "10");
    expect(victim.order.instructedAmount).not.toBe(attacker.order.instructedAmount);

    // The victim pays exactly what its order was told; the hash is public on any explorer.
    const hash = await transfer(chain, tokens.usdt6, deposit, raw(victim.order.instructedAmount));
    // The attacker is first to cite it, on their own order of the same asked amount.
    await prove(attacker, attacker.order.orderNo, hash);
    await chain.mine(3);

    await scan("auto");
    await round("auto");

    const won = await orderOf(victim.order.id);
    expect(won.status).toBe("confirmed");
    expect(won.decidedByType).toBe("system");
    expect(won.txHash).toBe(hash.toLowerCase());
    expect((won.verdict as unknown as TransferVerdict).source).toBe("detected");
    expect(await balances(victim.accountId)).toEqual(credit(victim.order.instructedAmount));

    const lost = await orderOf(attacker.order.id);
    expect(lost.status).toBe("submitted");
    const verdict = lost.verdict as unknown as TransferVerdict;
    expect(verdict.allPassed).toBe(false);
    expect(verdict.conflicts).toEqual([expect.objectContaining({ kind: "credited", orderNo: victim.order.orderNo })]);
    expect(await cardText(`order:${attacker.order.id}`)).toContain(t("chain.conflict.credited", { order: victim.order.orderNo }));
    expect(await balances(attacker.accountId)).toEqual({});

    // Later rounds, and a careless support click, still credit the attacker nothing.
    await chain.mine(2);
    await scan("auto");
    await round("auto");
    await expect(confirmTopup(services, { orderRef: attacker.order.orderNo, decider: support })).rejects.toMatchObject({ key: "errors.transfer_credited" });
    expect(await balances(attacker.accountId)).toEqual({});
    expect(await services.prisma.creditedLog.count({ where: { txHash: hash.toLowerCase() } })).toBe(1);
    await expectReconciled();
  });

  it("a transfer of exactly another open order's amount is never credited to a different order, even by a click", async () => {
    const owner = await newOrder("review", "10");
    const other = await newOrder("review", "10");
    const hash = await transfer(chain, tokens.usdt6, deposit, raw(owner.order.instructedAmount));
    await prove(other, other.order.orderNo, hash);
    await round("review");
    const verdict = (await orderOf(other.order.id)).verdict as unknown as TransferVerdict;
    expect(verdict.conflicts).toEqual([expect.objectContaining({ kind: "matches_order", orderNo: owner.order.orderNo })]);
    expect(await cardText(`order:${other.order.id}`)).toContain(t("chain.conflict.matches_order", { order: owner.order.orderNo }));
    await expect(confirmTopup(services, { orderRef: other.order.orderNo, decider: support })).rejects.toMatchObject({ key: "errors.transfer_matches_order" });
    expect(await balances(other.accountId)).toEqual({});
    expect(await services.prisma.auditLog.count({ where: { orderId: other.order.id, outcome: "refused:transfer_of_other_order" } })).toBe(1);
  });

  describe("detection without a hash", () => {
    it("credits a transfer after N confirmations, not before, and tells the customer", async () => {
      const paid = await newOrder("auto", "25");
      const hash = await transfer(chain, tokens.usdt6, deposit, raw(paid.order.instructedAmount));
      await chain.mine(1); // 2 confirmations of 3
      const early = await scan("auto");
      expect(early.credited).toBe(0);
      expect((await orderOf(paid.order.id)).status).toBe("pending");
      expect(await services.prisma.chainTransfer.count({ where: { txHash: hash.toLowerCase() } })).toBe(0);

      await chain.mine(1);
      const result = await scan("auto");
      expect(result.credited).toBe(1);
      const order = await orderOf(paid.order.id);
      expect(order.status).toBe("confirmed");
      expect(order.proofKey).toBe(`tx:${hash.toLowerCase()}`);
      expect(await balances(paid.accountId)).toEqual(credit(paid.order.instructedAmount));
      const row = await services.prisma.chainTransfer.findFirstOrThrow({ where: { txHash: hash.toLowerCase() } });
      expect(row).toMatchObject({ status: "credited", orderId: paid.order.id, amountMicros: paid.order.instructedAmount });
      const dm = await services.prisma.outboxMessage.findFirstOrThrow({ where: { dedupeKey: `order:${paid.order.id}:dm:confirmed` } });
      expect(JSON.stringify(await drawn(services, dm))).toContain(paid.order.orderNo);
      // Scanning again finds nothing new: the cursor moved on, and the row is settled.
      expect((await scan("auto")).credited).toBe(0);
      await expectReconciled();
    });

    it("a wrong amount becomes an unmatched payment card; support dismisses it once, with a note", async () => {
      const waiting = await newOrder("auto", "30");
      const hash = await transfer(chain, tokens.usdt6, deposit, raw(waiting.order.instructedAmount - 1_000_000n));
      await chain.mine(3);
      const result = await scan("auto");
      expect(result.unmatched).toBe(1);
      expect((await orderOf(waiting.order.id)).status).toBe("pending");
      const row = await services.prisma.chainTransfer.findFirstOrThrow({ where: { txHash: hash.toLowerCase() } });
      expect(row).toMatchObject({ status: "unmatched", reason: "wrong_amount", orderId: null });
      const card = await cardText(`transfer:${row.id}`);
      expect(card).toContain(formatPaymentNo(row.id));
      expect(card).toContain(t("payments.reason.wrong_amount"));
      expect(card).toContain('"command":"payment-credit"');
      expect(card).toContain('"command":"payment-dismiss"');
      expect(await balances(waiting.accountId)).toEqual({});

      await dismissTransfer(services, { paymentRef: formatPaymentNo(row.id), note: "test transfer from the exchange", decider: support });
      expect(await services.prisma.chainTransfer.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "dismissed", note: "test transfer from the exchange" });
      expect(await cardText(`transfer:${row.id}`)).toContain(t("payments.card.outcome_dismissed", { by: "Sam (support-1)", note: "test transfer from the exchange" }));
      await expect(dismissTransfer(services, { paymentRef: formatPaymentNo(row.id), note: "again", decider: support })).rejects.toMatchObject({ key: "errors.payment_decided" });
      await expect(creditTransfer(services, { paymentRef: formatPaymentNo(row.id), target: waiting.order.orderNo, decider: support })).rejects.toMatchObject({ key: "errors.payment_decided" });
    });

    it("a reorganisation that removes the transfer means no credit", async () => {
      const snapshot = await chain.snapshot();
      const paid = await newOrder("auto", "40");
      const hash = await transfer(chain, tokens.usdt6, deposit, raw(paid.order.instructedAmount));
      await chain.mine(1);
      await scan("auto");
      await chain.revert(snapshot);
      await chain.mine(6); // a longer chain without the payment
      await scan("auto");
      expect((await orderOf(paid.order.id)).status).toBe("pending");
      expect(await services.prisma.chainTransfer.count({ where: { txHash: hash.toLowerCase() } })).toBe(0);
      expect(await balances(paid.accountId)).toEqual({});
    });

    it("an account's own address: paid with no hash, credited to that account's order", async () => {
      const first = await newOrder("own", "12");
      const second = await newOrder("own", "12");
      expect(first.order.payAddress).not.toBe(second.order.payAddress);
      expect(first.order.instructedAmount).toBe(12_000_000n);
      // The customer pays a little less than asked, to their own address: it is theirs, credited as it arrived.
      await transfer(chain, tokens.usdt6, getAddress(first.order.payAddress!), 11_500_000n);
      await chain.mine(3);
      expect((await scan("own")).credited).toBe(1);
      expect(await balances(first.accountId)).toEqual(credit(11_500_000n));
      expect(await balances(second.accountId)).toEqual({});
      expect(((await orderOf(first.order.id)).verdict as unknown as TransferVerdict).attribution).toBe("per-account-address");
      await expectReconciled();
    });
  });

  describe("uniqueness by chain, not by method", () => {
    it("the same hash on two method ids of one chain gives one credit", async () => {
      const a = await newOrder("auto", "15");
      const b = await newOrder("auto2", "15");
      const hash = await transfer(chain, tokens.usdt6, deposit, raw(a.order.instructedAmount));
      // B cites it first: nobody cited it yet.
      await prove(b, b.order.orderNo, hash);
      await chain.mine(3);
      await scan("auto");
      await scan("auto2");
      await round("auto");
      await round("auto2");
      expect((await orderOf(a.order.id)).status).toBe("confirmed");
      expect((await orderOf(b.order.id)).status).toBe("submitted");
      expect(await services.prisma.chainTransfer.count({ where: { txHash: hash.toLowerCase() } })).toBe(1);
      expect(await services.prisma.creditedLog.count({ where: { txHash: hash.toLowerCase() } })).toBe(1);
      expect(await balances(a.accountId)).toEqual(credit(a.order.instructedAmount));
      expect(await balances(b.accountId)).toEqual({});
      // Cited by the credited order now: a third order, on either method, is refused and told which.
      const c = await newOrder("auto2", "15");
      await expect(prove(c, c.order.orderNo, hash)).rejects.toMatchObject({ key: "errors.tx_hash_used_by" });
      await expectReconciled();
    });

    it("a hash cited on a TRON order is refused on an EVM order, naming the order that holds it", async () => {
      const hash = randomHash();
      const tron = await newOrder("tronish", "10");
      await prove(tron, tron.order.orderNo, hash.slice(2));
      const evm = await newOrder("review", "10");
      const before = await services.prisma.topupOrder.findUniqueOrThrow({ where: { id: evm.order.id } });
      await expect(prove(evm, evm.order.orderNo, hash)).rejects.toMatchObject({ key: "errors.tx_hash_used_by", params: { order: tron.order.orderNo } });
      expect(await orderOf(evm.order.id)).toEqual(before);
    });

    it("one transaction with two transfers to the deposit address (a batch withdrawal) credits two orders, each once", async () => {
      const one = await newOrder("auto", "11");
      const two = await newOrder("auto", "11");
      const hash = await batchWithdrawal(chain, tokens, tokens.usdt6, [
        { to: deposit, raw: raw(one.order.instructedAmount) },
        { to: deposit, raw: raw(two.order.instructedAmount) },
      ]);
      // Both customers send the exchange's one hash: the second is let through for its own transfer.
      await prove(one, one.order.orderNo, hash);
      const second = await prove(two, two.order.orderNo, hash);
      expect(second.proofLogIndex).not.toBeNull();
      // A third order has no transfer of its own in that transaction.
      const three = await newOrder("auto", "11");
      await expect(prove(three, three.order.orderNo, hash)).rejects.toMatchObject({ key: "errors.tx_hash_used_by", params: { order: one.order.orderNo } });

      await chain.mine(3);
      await round("auto");
      await scan("auto");
      await round("auto");
      expect((await orderOf(one.order.id)).status).toBe("confirmed");
      expect((await orderOf(two.order.id)).status).toBe("confirmed");
      expect(await balances(one.accountId)).toEqual(credit(one.order.instructedAmount));
      expect(await balances(two.accountId)).toEqual(credit(two.order.instructedAmount));
      const logs = await services.prisma.creditedLog.findMany({ where: { txHash: hash.toLowerCase() }, orderBy: { logIndex: "asc" } });
      expect(logs.map((l) => l.orderId).sort()).toEqual([one.order.id, two.order.id].sort());
      expect(new Set(logs.map((l) => l.logIndex)).size).toBe(2);
      await expectReconciled();
    });

    it("bank references are compared without case, spaces or punctuation: REF-0001 then ref-0001 is refused", async () => {
      const first = await newOrder("bank", "60");
      await prove(first, first.order.orderNo, "REF-0001");
      for (const copy of ["ref-0001", "Ref 0001".replace(" ", "."), "REF_0001"]) {
        const other = await newOrder("bank", "60");
        await expect(prove(other, other.order.orderNo, copy)).rejects.toMatchObject({ key: "errors.tx_hash_used_by", params: { order: first.order.orderNo } });
        expect((await orderOf(other.order.id)).status).toBe("pending");
      }
    });

    it("the same screenshot on two orders is flagged on the cards", async () => {
      const screenshot = new Uint8Array([...PNG_BYTES, ...randomBytes(8)]);
      const first = await newOrder("bank", "70");
      await prove(first, first.order.orderNo, `BANK-${randomBytes(4).toString("hex")}`, screenshot);
      const second = await newOrder("bank", "70");
      await prove(second, second.order.orderNo, `BANK-${randomBytes(4).toString("hex")}`, screenshot);
      expect(await cardText(`order:${second.order.id}`)).toContain(t("topups.card.same_screenshot", { orders: first.order.orderNo }));
      // Cards are drawn when they are delivered: the first one, drawn now, names the second.
      expect(await cardText(`order:${first.order.id}`)).toContain(t("topups.card.same_screenshot", { orders: second.order.orderNo }));
      const unrelated = await newOrder("bank", "70");
      await prove(unrelated, unrelated.order.orderNo, `BANK-${randomBytes(4).toString("hex")}`, new Uint8Array([...PNG_BYTES, ...randomBytes(8)]));
      expect(await cardText(`order:${unrelated.order.id}`)).not.toContain(t("topups.card.same_screenshot", { orders: "" }).trim());
    });
  });

  describe("recovery by support, audited", () => {
    it("a rejected order reopened goes back to review with its hash, and is credited once", async () => {
      const paid = await newOrder("review", "20");
      const hash = await transfer(chain, tokens.usdt6, deposit, raw(paid.order.instructedAmount));
      await prove(paid, paid.order.orderNo, hash);
      await rejectTopup(services, { orderRef: paid.order.orderNo, decider: support, reason: "amount_mismatch" });
      // The hash stays bound to the rejected order.
      const thief = await newOrder("review", "20");
      await expect(prove(thief, thief.order.orderNo, hash)).rejects.toMatchObject({ key: "errors.tx_hash_used_by", params: { order: paid.order.orderNo } });
      // The customer cannot send it again after that reason; support reopens.
      await expect(prove(paid, paid.order.orderNo, hash)).rejects.toMatchObject({ key: "errors.order_already_decided" });

      const reopened = await reopenOrder(services, { orderRef: paid.order.orderNo, decider: support });
      expect(reopened).toMatchObject({ status: "submitted", txHash: hash.toLowerCase(), rejectReason: null });
      await round("review");
      expect(((await orderOf(paid.order.id)).verdict as unknown as TransferVerdict).allPassed).toBe(true);
      await confirmTopup(services, { orderRef: paid.order.orderNo, decider: support });
      await expect(confirmTopup(services, { orderRef: paid.order.orderNo, decider: support })).rejects.toMatchObject({ key: "errors.order_already_decided" });
      await expect(reopenOrder(services, { orderRef: paid.order.orderNo, decider: support })).rejects.toMatchObject({ key: "errors.order_already_decided" });
      expect(await balances(paid.accountId)).toEqual(credit(paid.order.instructedAmount));
      const audit = await services.prisma.auditLog.findMany({ where: { orderId: paid.order.id, outcome: "ok" }, orderBy: { id: "asc" } });
      expect(audit.map((a) => a.action)).toEqual(["topup.proof", "topup.reject", "topup.reopen", "topup.confirm"]);
      expect(audit[2]).toMatchObject({ actorType: "support", actorId: "support-1" });
      await expectReconciled();
    });

    it("after a “not found yet” rejection, the customer sends the same hash again on the same order", async () => {
      const early = await newOrder("review", "21");
      const hash = randomHash();
      await prove(early, early.order.orderNo, hash);
      await rejectTopup(services, { orderRef: early.order.orderNo, decider: support, reason: "not_found" });
      const again = await prove(early, early.order.orderNo, hash);
      expect(again).toMatchObject({ status: "submitted", rejectReason: null, txHash: hash });
      const actions = await services.prisma.auditLog.findMany({ where: { orderId: early.order.id }, orderBy: { id: "asc" } });
      expect(actions.map((a) => a.action)).toEqual(["topup.proof", "topup.reject", "topup.proof_again"]);
    });

    it("a late payment on an expired order: an unmatched card, then credited once by support, as it arrived", async () => {
      const late = await newOrder("auto", "33");
      await services.prisma.topupOrder.update({ where: { id: late.order.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      expect(await expireOrders(services)).toBeGreaterThanOrEqual(1);
      const hash = await transfer(chain, tokens.usdt6, deposit, raw(late.order.instructedAmount));
      await chain.mine(3);
      expect((await scan("auto")).unmatched).toBe(1);
      const row = await services.prisma.chainTransfer.findFirstOrThrow({ where: { txHash: hash.toLowerCase() } });
      expect(row).toMatchObject({ status: "unmatched", reason: "late" });
      const card = await cardText(`transfer:${row.id}`);
      expect(card).toContain(t("payments.card.credit_to", { target: late.order.orderNo }));
      expect(await balances(late.accountId)).toEqual({});

      const paymentNo = formatPaymentNo(row.id);
      const both = await Promise.allSettled([
        creditTransfer(services, { paymentRef: paymentNo, target: late.order.orderNo, decider: support }),
        creditTransfer(services, { paymentRef: paymentNo, target: late.order.orderNo, decider: support }),
      ]);
      expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(await balances(late.accountId)).toEqual(credit(late.order.instructedAmount));
      expect((await orderOf(late.order.id)).status).toBe("confirmed");
      expect(await services.prisma.chainTransfer.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "credited", orderId: late.order.id });
      const confirm = await services.prisma.auditLog.findFirstOrThrow({ where: { orderId: late.order.id, action: "topup.confirm" } });
      expect(confirm.detail).toMatchObject({ from: "expired", late: true, payment: paymentNo });
      expect(await services.prisma.auditLog.count({ where: { action: "payment.credit", outcome: "ok", orderId: late.order.id } })).toBe(1);
      await expectReconciled();
    });

    it("an unmatched payment credited straight to an account makes an order for it", async () => {
      const who = await newCustomer();
      const hash = await transfer(chain, tokens.usdt6, deposit, 17_250_000n);
      await chain.mine(3);
      await scan("auto");
      const row = await services.prisma.chainTransfer.findFirstOrThrow({ where: { txHash: hash.toLowerCase() } });
      const { order } = await creditTransfer(services, { paymentRef: formatPaymentNo(row.id), target: who.accountId, decider: support });
      expect(order).toMatchObject({ accountId: who.accountId, status: "confirmed", confirmedPrincipal: 17_250_000n, txHash: hash.toLowerCase() });
      expect(await balances(who.accountId)).toEqual(credit(17_250_000n));
      await expectReconciled();
    });
  });

  it("check: a customer sees the checks support sees, and nothing is bound or written", async () => {
    const mine = await newOrder("review", "19");
    const other = await newOrder("review", "19");
    const hash = await transfer(chain, tokens.usdt6, deposit, raw(other.order.instructedAmount));
    const counts = async () => [await services.prisma.topupOrder.count({ where: { proofKey: { not: null } } }), await services.prisma.outboxMessage.count(), await services.prisma.auditLog.count()];
    const before = await counts();
    const reply = await dispatch(registry, services, mine.caller, "check", { txHash: hash, order: mine.order.orderNo });
    const text = JSON.stringify(reply.blocks);
    expect(reply.error).toBeUndefined();
    expect(text).toContain(`✓ ${t("chain.check.recipient")}`);
    const judged = other.order.instructedAmount > mine.order.instructedAmount ? "more_than_requested" : "less_than_requested";
    expect(text).toContain(`✗ ${t("chain.check.amount")}: ${t(`chain.amount.${judged}`, { amount: formatDecimal(other.order.instructedAmount), requested: formatDecimal(mine.order.instructedAmount) })}`);
    // Another customer's order is not named to this one.
    expect(text).toContain(t("chain.conflict.other_order"));
    expect(text).not.toContain(other.order.orderNo);
    expect(await counts()).toEqual(before);
    expect((await orderOf(mine.order.id)).status).toBe("pending");
  });
});
