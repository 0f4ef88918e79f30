import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import type { Locale } from "../../src/i18n.ts";
import type { Block, Reply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { runConsole } from "../helpers/consoleScript.ts";
import { createTestServices } from "../helpers/services.ts";

/**
 * The support queue on a real database: 30 orders waiting, 10 a page, each order its own line
 * and its own Confirm/Reject labelled with its order number, and the true count on every page.
 */
let services: Services;
const support = (locale: Locale = "en"): Caller => ({ platform: "console", workspaceId: "local", userId: "sam", locale, isSupport: true });
const queue = (args: Record<string, string> = {}, locale: Locale = "en") => dispatch(registry, services, support(locale), "queue", args);
const orderNo = (i: number) => `CD-${String(900 + i).padStart(6, "0")}`;

beforeAll(async () => {
  services = await createTestServices();
  await runConsole(services, ["balance"]);
  const account = await services.prisma.chatIdentity.findFirstOrThrow({ where: { platform: "console", userId: "alice" } });
  const base = Date.UTC(2026, 10, 29, 10, 0, 0);
  // Submitted in reverse order of their numbers, so oldest-first is not the numbering's order.
  await services.prisma.topupOrder.createMany({
    data: Array.from({ length: 31 }, (_, i) => ({
      orderNo: orderNo(i + 1),
      accountId: account.accountId,
      methodId: i % 2 ? "erc20" : "trc20",
      methodKind: "usdt",
      requestedAmount: BigInt(10 + i) * 1_000_000n,
      instructedAmount: BigInt(10 + i) * 1_000_000n,
      status: i === 30 ? "pending" : "submitted",
      bonusRule: {},
      expiresAt: new Date(base + 3_600_000),
      surface: "console",
      customerWorkspace: "local",
      customerUserId: "alice",
      submittedAt: i === 30 ? null : new Date(base - i * 60_000),
    })),
  });
});
afterAll(async () => {
  await services?.db.close();
});

/** Each order's section: its line, then a row of buttons. */
function sections(reply: Reply): { line: string; buttons: Extract<Block, { type: "buttons" }>["buttons"] }[] {
  const out = [];
  for (let i = 0; i < reply.blocks.length; i++) {
    const block = reply.blocks[i];
    const next = reply.blocks[i + 1];
    if (block.type === "text" && next?.type === "buttons") out.push({ line: block.text, buttons: next.buttons });
  }
  return out;
}

describe("queue", () => {
  it("shows 10 orders a page with the true count, each with buttons naming its order, and pages through all 30 once", async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const reply = await queue(page === 1 ? {} : { page: String(page) });
      expect(reply.error).toBeFalsy();
      expect(reply.blocks[0]).toEqual({ type: "header", text: "30 top-ups waiting for a decision" });
      expect(reply.blocks[1]).toEqual({ type: "context", text: `10 of 30 shown, oldest first · page ${page} of 3` });
      const orders = sections(reply).filter((s) => s.buttons.some((b) => b.command === "confirm"));
      expect(orders).toHaveLength(10);
      for (const { line, buttons } of orders) {
        const order = /\*\*(CD-\d{6})\*\*/.exec(line)![1];
        seen.push(order);
        expect(buttons.map((b) => [b.label, b.command, b.args.order])).toEqual([
          [`Confirm ${order}`, "confirm", order],
          [`Reject ${order}`, "reject", order],
        ]);
        // The method by its name, never its id; the time a token each surface draws in local time.
        expect(line).toMatch(/USDT on (TRON \(TRC20\)|Ethereum \(ERC20\))/);
        expect(line).not.toMatch(/· (trc20|erc20) ·/);
        expect(line).toMatch(/⟦time:\d+:relative⟧/);
      }
      const pager = reply.blocks.at(-1)!;
      expect(pager.type).toBe("buttons");
      const nav = (pager as Extract<Block, { type: "buttons" }>).buttons.map((b) => [b.command, b.args.page]);
      expect(nav).toEqual([...(page > 1 ? [["queue", String(page - 1)]] : []), ...(page < 3 ? [["queue", String(page + 1)]] : [])]);
    }
    // Oldest first: order 30 was submitted first, order 1 last; the pending order 31 is not waiting.
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => orderNo(30 - i)));
  });

  it("tells the count in Chinese too, and a page past the end is the last page", async () => {
    const zh = await queue({ page: "9" }, "zh-CN");
    expect(zh.blocks[0]).toEqual({ type: "header", text: "30 笔充值待审核" });
    expect(zh.blocks[1]).toEqual({ type: "context", text: "共 30 笔，显示 10 笔（最早提交的在前）· 第 3/3 页" });
    expect(sections(zh)[0].buttons[0].label).toBe(`确认 ${orderNo(10)}`);
  });

  it("refuses a page that is not a number, in words, naming the field by its label", async () => {
    const reply = await queue({ page: "two" });
    expect(reply.error).toBe(true);
    expect(reply.summary).toBe("The page number is not valid.");
    const zh = await queue({ page: "0" }, "zh-CN");
    expect(zh.summary).toBe("页码无效。");
  });
});
