import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import { recheckOrder } from "../../src/payments/recheckOrder.ts";
import { closeChainClients } from "../../src/chain/rpc.ts";
import type { Caller } from "../../src/core/command.ts";
import { translator } from "../../src/i18n.ts";
import { formatUsd } from "../../src/ledger/money.ts";
import type { ButtonSpec } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { confirmTopup } from "../../src/topups/confirmTopup.ts";
import { createOrder } from "../../src/topups/createOrder.ts";
import { findOrderById } from "../../src/topups/findOrder.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import { submitProof } from "../../src/topups/submitProof.ts";
import { orderCard } from "../../src/views/orderCard.ts";
import { freePort } from "../chain/anvil.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";

/**
 * The support card's Confirm dialog and the credit ask one function what Confirm credits. A
 * verdict stored after an RPC failure carries amountMicros "0": the dialog once promised
 * "$0.00 + $0.00 bonus" while the click credited the requested amount.
 */
describe("the card's Confirm dialog promises what the credit does", () => {
  let services: Services;
  beforeAll(async () => {
    const deadRpc = `http://127.0.0.1:${await freePort()}`;
    const methods = parseMethods({
      methods: [
        {
          id: "erc20",
          kind: "usdt",
          label: { en: "USDT (ERC20)" },
          family: "evm",
          chainId: 1,
          tokenContract: "0xdAC17F958D2ee523a2206206994597C13D831ec7",
          decimals: 6,
          depositAddress: "0x1111111111111111111111111111111111111111",
          minimum: "10",
          confirmations: 12,
          explorerTxUrl: "https://etherscan.io/tx/{hash}",
          rpcUrls: [deadRpc],
          rpcTimeoutMs: 1000,
          bonus: { flatBps: 2000 },
        },
      ],
    });
    services = await createTestServices({ methods, env: { TRIAL_STAGE1_USD: "0" } });
  });
  afterAll(async () => {
    closeChainClients();
    await services?.db.close();
  });

  it("after an RPC failure (amountMicros \"0\"), the dialog and the ledger agree on the instructed amount", async () => {
    const caller: Caller = { platform: "console", workspaceId: "local", userId: "agree-1", locale: "en", isSupport: false };
    const { id: accountId } = await resolveAccount(services, caller);
    const created = await createOrder(services, { accountId, caller, methodId: "erc20", amount: "10" });
    await submitProof(services, { accountId, caller, orderRef: created.orderNo, txHash: "0x" + randomBytes(32).toString("hex"), screenshot: { name: "p.png", bytes: PNG_BYTES } });
    const { verdict } = await recheckOrder(services, created.orderNo);
    expect(verdict.error?.kind).toBeDefined();
    expect(verdict.amountMicros).toBe("0");

    const order = (await findOrderById(services.prisma, created.id))!;
    const card = orderCard(order, { methods: services.methods, locale: "en" });
    const confirm = card.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : [])).find((b: ButtonSpec) => b.command === "confirm")!;
    const principal = order.instructedAmount;
    const bonus = principal / 5n;
    expect(confirm.confirm!.text).toBe(translator("en")("topups.card.confirm_text", { order: order.orderNo, principal: formatUsd(principal), bonus: formatUsd(bonus) }));

    await confirmTopup(services, { orderRef: order.orderNo, decider: { type: "support", platform: "console", workspaceId: "local", userId: "support-9" } });
    const entries = await services.prisma.ledgerEntry.findMany({ where: { accountId }, orderBy: { id: "asc" } });
    expect(entries.map((e) => [e.type, e.amount])).toEqual([
      ["usdt_topup", principal],
      ["topup_bonus", bonus],
    ]);
  });
});
