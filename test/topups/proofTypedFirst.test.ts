import { afterEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { translate } from "../../src/i18n.ts";
import type { Reply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";

let services: Services;
afterEach(async () => {
  await services?.db.close();
});

const customer: Caller = { platform: "slack", workspaceId: "T1", userId: "U_TYPED", locale: "en", isSupport: false };

async function openOrder(caller: Caller): Promise<string> {
  const reply = await dispatch(registry, services, caller, "topup", { method: "erc20", amount: "10" });
  expect(reply.error).toBeUndefined();
  const [order] = await services.prisma.topupOrder.findMany({ where: { customerUserId: caller.userId } });
  return order.orderNo;
}

function txHashField(reply: Reply) {
  return reply.form?.fields.find((f) => f.name === "txHash");
}

async function nothingWritten(orderNo: string) {
  const order = await services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
  expect([order.status, order.txHash]).toEqual(["pending", null]);
  expect(await services.prisma.outboxMessage.count({ where: { kind: "support_card" } })).toBe(0);
}

/**
 * `proof <order> <hash>` typed before the screenshot (a Slack slash command, a Discord option):
 * the hash is checked at once, rather than dropped on the way to the form.
 */
describe("a proof typed without its screenshot", () => {
  it("a hash that is not one is said at once, in the user's language, and nothing is written", async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    const orderNo = await openOrder(customer);
    const reply = await dispatch(registry, services, customer, "proof", { order: orderNo, txHash: "not-a-hash" });
    expect(reply.error).toBe(true);
    expect(reply.form).toBeUndefined();
    expect(reply.fieldErrors).toEqual({ txHash: translate("en", "errors.tx_hash_format") });
    await nothingWritten(orderNo);

    const zhCaller = { ...customer, userId: "U_TYPED_ZH", locale: "zh-CN" as const };
    const zhOrder = await openOrder(zhCaller);
    const zh = await dispatch(registry, services, zhCaller, "proof", { order: zhOrder, txHash: "0x1234" });
    expect(zh.fieldErrors).toEqual({ txHash: translate("zh-CN", "errors.tx_hash_format") });
    await nothingWritten(zhOrder);
  });

  it("a right hash waits in the form, in its stored form, so only the screenshot is left to add", async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    const orderNo = await openOrder(customer);
    const typed = `0x${"AB".repeat(32)}`;
    const reply = await dispatch(registry, services, customer, "proof", { order: orderNo, txHash: ` ${typed} ` });
    expect(reply.error).toBeUndefined();
    expect(reply.form?.command).toBe("proof");
    expect(txHashField(reply)).toMatchObject({ kind: "text", initial: typed.toLowerCase() });
    await nothingWritten(orderNo);
  });

  it("with no hash the form opens empty, as before", async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    const orderNo = await openOrder(customer);
    const reply = await dispatch(registry, services, customer, "proof", { order: orderNo });
    expect(reply.form?.command).toBe("proof");
    expect(txHashField(reply)).not.toHaveProperty("initial");
  });

  it("a hash for an order that is not the customer's is refused by the order, not shown a form", async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    const orderNo = await openOrder(customer);
    const stranger = { ...customer, userId: "U_STRANGER" };
    const reply = await dispatch(registry, services, stranger, "proof", { order: orderNo, txHash: `0x${"cd".repeat(32)}` });
    expect(reply.error).toBe(true);
    expect(reply.form).toBeUndefined();
    expect(reply.fieldErrors).toEqual({ order: translate("en", "errors.order_not_found", { order: orderNo }) });
    await nothingWritten(orderNo);
  });
});
