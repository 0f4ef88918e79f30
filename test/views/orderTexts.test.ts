import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import type { Locale } from "../../src/i18n.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import type { Block, Reply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { lastOrderNo, runConsole } from "../helpers/consoleScript.ts";
import { createTestServices, PNG_BYTES, TEST_METHODS_JSON } from "../helpers/services.ts";

/**
 * The customer's order texts on a real database: the top-up instructions of a USDT network and of
 * manual methods, and the history before and after an order is paid.
 */
const dir = mkdtempSync(path.join(tmpdir(), "cd-order-texts-"));
const png = path.join(dir, "pay.png");
writeFileSync(png, PNG_BYTES);

const METHODS = {
  ...TEST_METHODS_JSON,
  methods: [
    ...TEST_METHODS_JSON.methods.map((m) =>
      m.id === "bank" ? { ...m, payee: { bankName: { en: "First Test Bank", "zh-CN": "第一测试银行" }, accountHolder: "Credit Desk Ltd", accountNumber: "000-111-222" } } : m,
    ),
    {
      id: "qrpay",
      kind: "manual",
      label: { en: "QR pay", "zh-CN": "扫码支付" },
      currency: "USD",
      instructions: { en: "Scan the code and pay the amount.", "zh-CN": "扫码并支付该金额。" },
      payee: { qrImageUrl: "https://pay.example.com/qr.png" },
      minimum: "5",
      bonus: {},
    },
  ],
};

let services: Services;
const alice = (locale: Locale = "en"): Caller => ({ platform: "console", workspaceId: "local", userId: "alice", locale, isSupport: false });
const run = (command: string, args: Record<string, string>, locale: Locale = "en") => dispatch(registry, services, alice(locale), command, args);

/** Every piece of text a reader sees, block by block (not button arguments). */
function texts(reply: Reply): string[] {
  return reply.blocks.flatMap((b: Block) => {
    switch (b.type) {
      case "header":
      case "text":
      case "context":
        return [b.text];
      case "fields":
        return b.fields.flatMap((f) => [f.label, f.value]);
      case "copy":
        return [b.label, b.value];
      case "link":
        return [b.label, b.url];
      default:
        return [];
    }
  });
}
const count = (haystack: string[], needle: string) => haystack.join("\n").split(needle).length - 1;

beforeAll(async () => {
  services = await createTestServices({ methods: parseMethods(METHODS) });
});
afterAll(async () => {
  await services?.db.close();
});

describe("top-up instructions", () => {
  it("USDT: the network and the order number once each, amounts and minimum in USDT, the deadline as local-time tokens", async () => {
    const reply = await run("topup", { method: "trc20", amount: "20" });
    expect(reply.error).toBeFalsy();
    const all = texts(reply);
    const order = /CD-\d{6}/.exec(all[0])![0];
    expect(count(all, order)).toBe(1);
    expect(count(all, "USDT on TRON (TRC20)")).toBe(1);
    const fields = reply.blocks.find((b) => b.type === "fields") as Extract<Block, { type: "fields" }>;
    expect(fields.fields.map((f) => f.label)).toEqual(["Minimum", "Pay by"]);
    expect(fields.fields[0].value).toBe("10 USDT");
    expect(fields.fields[1].value).toMatch(/^⟦time:\d+:datetime⟧ \(⟦time:\d+:relative⟧\)$/);
    expect(all.join("\n")).toContain("Wrong network");
    expect(all.join("\n")).not.toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  });

  it("bank transfer: the payee from the methods file, the account number to copy, and no crypto caveat", async () => {
    const reply = await run("topup", { method: "bank", amount: "60" });
    expect(reply.error).toBeFalsy();
    const all = texts(reply);
    const text = all.join("\n");
    expect(count(all, /CD-\d{6}/.exec(all[0])![0])).toBe(1);
    const payee = reply.blocks.filter((b) => b.type === "fields")[0] as Extract<Block, { type: "fields" }>;
    expect(payee.fields).toEqual([
      { label: "Bank", value: "First Test Bank" },
      { label: "Account holder", value: "Credit Desk Ltd" },
    ]);
    expect(reply.blocks).toContainEqual({ type: "copy", label: "Account number", value: "000-111-222" });
    expect(text).toContain("60 USD");
    expect(text).toContain("50 USD");
    expect(text).not.toMatch(/network|chain|USDT/i);
    const zh = texts(await run("topup", { method: "bank", amount: "60" }, "zh-CN")).join("\n");
    expect(zh).toContain("第一测试银行");
    expect(zh).toContain("收款账号");
    expect(zh).toContain("付款截止时间");
    expect(zh).not.toMatch(/网络|跨链/);
  });

  it("a QR method links its QR image", async () => {
    const reply = await run("topup", { method: "qrpay", amount: "5" });
    expect(reply.blocks).toContainEqual({ type: "link", label: "QR code to pay with QR pay", url: "https://pay.example.com/qr.png" });
  });

  it("the methods file refuses a payee with nowhere to pay, and a QR image that is not https", () => {
    const withPayee = (payee: object) => ({ ...METHODS, methods: [{ ...METHODS.methods.at(-1)!, payee }] });
    expect(() => parseMethods(withPayee({ accountHolder: "Nobody" }))).toThrow(/accountNumber or a qrImageUrl/);
    expect(() => parseMethods(withPayee({ qrImageUrl: "http://pay.example.com/qr.png" }))).toThrow();
  });
});

describe("history", () => {
  it("an order never paid shows what to pay and its status, never paid or credited; a credited one both", async () => {
    const open = await run("history", {});
    const lines = (open.blocks[1] as { text: string }).text.split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line).not.toMatch(/paid|credited/);
      expect(line).toMatch(/Pending — ⟦time:\d+:date⟧$/);
    }
    // A USDT order shows what to send, unique digits included.
    expect(lines.join("\n")).toMatch(/— 20(\.\d+)? USDT —/);
    expect(lines.join("\n")).toContain("— $60.00 —");

    const order = lastOrderNo(await runConsole(services, ["topup trc20 15", "1", "0x" + "cd".repeat(32), png]));
    expect(await runConsole(services, ["/as support sam", `confirm ${order}`])).toContain(`Order ${order} confirmed`);
    const after = (await run("history", {})).blocks[1] as { text: string };
    const credited = after.text.split("\n").find((l) => l.includes(order))!;
    // The unique digits were paid, and are credited with their 20% bonus.
    expect(credited).toMatch(/paid 15\.\d+ USDT, credited \$18\.\d+ — Completed/);
    const zh = ((await run("history", {}, "zh-CN")).blocks[1] as { text: string }).text.split("\n").find((l) => l.includes(order))!;
    expect(zh).toMatch(/已付 15\.\d+ USDT，入账 \$18\.\d+ — 已完成/);
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });
});
