import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Services } from "../../src/services.ts";
import { lastOrderNo, runConsole } from "../helpers/consoleScript.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";

const dir = mkdtempSync(path.join(tmpdir(), "cd-forms-"));
const png = path.join(dir, "pay.png");
writeFileSync(png, PNG_BYTES);
const hash = (n: number) => "0x" + n.toString(16).padStart(64, "0");

const EMPTY_HASH = "⚠️ Transaction hash cannot be empty: type a value, or /cancel to leave the form.";
const BAD_HASH = "⚠️ That is not a transaction hash for this network.";
const HASH_PROMPT = "Transaction hash: ";
const SCREENSHOT_PROMPT = "Payment screenshot (path to a file): ";

let services: Services;

async function snapshot() {
  const p = services.prisma;
  return {
    orders: await p.topupOrder.findMany({ orderBy: { seq: "asc" }, select: { id: true, status: true, txHash: true, screenshotSha256: true } }),
    entries: await p.ledgerEntry.count(),
    outbox: await p.outboxMessage.count(),
    files: await p.storedFile.count(),
  };
}

/** Each case is a customer of its own (a customer may have only a few open orders). */
let customers = 0;
let me = { customer: "c0", support: "sam" };
beforeEach(() => {
  me = { customer: `c${++customers}`, support: "sam" };
});

/** A new pending order on `network`, so that each case starts at its own proof form. */
async function newOrder(network = "trc20"): Promise<string> {
  return lastOrderNo(await runConsole(services, [`topup ${network} 10`], me));
}

/** The lines of a transcript that are prompts or messages, in order. */
function lines(out: string): string[] {
  return out.split("\n");
}

function count(out: string, text: string): number {
  return out.split(text).length - 1;
}

beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services.db.close();
});

describe("console forms", () => {
  it("an empty answer to a required field says so at that field and asks it again; the form then goes through", async () => {
    const order = await newOrder();
    const out = await runConsole(services, [`proof ${order}`, "", hash(1), png], me);
    const shown = lines(out);
    const error = shown.indexOf(EMPTY_HASH);
    expect(error).toBeGreaterThan(0);
    expect(shown[error - 1]).toBe(HASH_PROMPT);
    expect(shown[error + 1]).toBe(`${HASH_PROMPT}${hash(1)}`);
    expect(out).toContain(`We received the proof for order ${order}`);
    expect((await services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo: order } })).status).toBe("submitted");
  });

  it("a malformed hash is reported right after the hash, before the screenshot is asked for", async () => {
    // erc20 is an EVM network: a TRON-style hash without 0x is not one of its hashes.
    const order = await newOrder("erc20");
    const before = await snapshot();
    const out = await runConsole(services, [`proof ${order}`, "0x1234", "ab".repeat(32), "/cancel"], me);
    const shown = lines(out);
    expect(shown[shown.indexOf(`${HASH_PROMPT}0x1234`) + 1]).toContain(BAD_HASH);
    expect(shown[shown.indexOf(`${HASH_PROMPT}${"ab".repeat(32)}`) + 1]).toContain(BAD_HASH);
    expect(out).not.toContain(SCREENSHOT_PROMPT);
    expect(await snapshot()).toEqual(before);

    // The same hash with 0x is one: the screenshot is asked next, once.
    const good = await runConsole(services, [`proof ${order}`, `0x${"ab".repeat(32)}`, png], me);
    expect(count(good, SCREENSHOT_PROMPT)).toBe(1);
    expect(good).not.toContain(BAD_HASH);
    expect(good).toContain(`We received the proof for order ${order}`);
  });

  it("/cancel leaves the form at any field: nothing is sent or written, and the next line is a command again", async () => {
    const order = await newOrder();
    const before = await snapshot();
    const out = await runConsole(services, [`proof ${order}`, hash(2), "/cancel", "balance"], me);
    expect(out).toContain(`${SCREENSHOT_PROMPT}/cancel\nForm closed: nothing was sent.`);
    expect(out).toContain("== Your balance ==");
    expect(await snapshot()).toEqual(before);
  });

  it("/quit inside a form is never a value: it leaves the console, and nothing is written", async () => {
    const order = await newOrder();
    const before = await snapshot();
    const atHash = await runConsole(services, [`proof ${order}`, "/quit", "balance"], me);
    expect(atHash).toContain(`${HASH_PROMPT}/quit`);
    expect(atHash).not.toContain(BAD_HASH);
    expect(atHash).not.toContain("== Your balance ==");
    const atScreenshot = await runConsole(services, [`proof ${order}`, hash(3), "/quit", "balance"], me);
    expect(atScreenshot).not.toContain("File not found");
    expect(atScreenshot).not.toContain("== Your balance ==");
    expect(await snapshot()).toEqual(before);
  });

  it("a console command typed into a form is not a value; an absolute path still is", async () => {
    const order = await newOrder();
    const out = await runConsole(services, [`proof ${order}`, hash(4), "/as support", png], me);
    expect(out).toContain(`${SCREENSHOT_PROMPT}/as support\nConsole commands wait until the form is done: answer the question, or type /cancel to leave the form.`);
    expect(out).not.toContain("You are now the support member");
    expect(out).toContain(`${SCREENSHOT_PROMPT}${png}`);
    expect(out).toContain(`We received the proof for order ${order}`);
  });

  it("three refused answers on one field close the form, say so, and give the line that starts it again; nothing is written", async () => {
    const order = await newOrder();
    const before = await snapshot();
    const out = await runConsole(services, [`proof ${order}`, "", "0x12", "nonsense", "balance"], me);
    expect(count(out, EMPTY_HASH) + count(out, BAD_HASH)).toBe(3);
    expect(out).toContain(`⚠️ Transaction hash was not accepted 3 times, so the form was closed and nothing was sent. To start again, type proof ${order}.`);
    expect(out).not.toContain(SCREENSHOT_PROMPT);
    // Back at the command prompt: the next line runs as a command.
    expect(out).toContain("== Your balance ==");
    expect(await snapshot()).toEqual(before);
  });

  it("the same in Chinese", async () => {
    const order = await newOrder();
    const out = await runConsole(services, [`proof ${order}`, "", "0x12", "x"], { ...me, locale: "zh-CN" });
    expect(out).toContain("⚠️ 交易哈希不能为空：请输入内容，或输入 /cancel 离开表单。");
    expect(out).toContain(`⚠️ 交易哈希已有 3 次未通过，表单已关闭，未提交任何内容。如需重新开始，请输入 proof ${order}。`);
  });

  it("refusals on different fields do not add up: two per field, and the proof goes through", async () => {
    const order = await newOrder();
    const missing = path.join(dir, "missing.png");
    const out = await runConsole(services, [`proof ${order}`, "", "0x12", hash(5), missing, "", png], me);
    expect(out).toContain(`⚠️ File not found: ${missing}.`);
    expect(out).toContain("⚠️ Payment screenshot cannot be empty");
    expect(out).not.toContain("was not accepted 3 times");
    expect(out).toContain(`We received the proof for order ${order}`);
  });

  it("a hash the submission refuses (already cited by another order) asks the hash again, not the screenshot", async () => {
    const first = await newOrder();
    await runConsole(services, [`proof ${first}`, hash(6), png], me);
    const second = await newOrder();
    const out = await runConsole(services, [`proof ${second}`, hash(6), png, hash(7)], me);
    expect(out).toContain(`⚠️ This transaction is already cited by order ${first}.`);
    expect(count(out, SCREENSHOT_PROMPT)).toBe(1);
    expect(out).toContain(`${HASH_PROMPT}${hash(7)}`);
    expect(out).toContain(`We received the proof for order ${second}`);
  });

  it("a choice that is not offered is refused at once with the choices; one typed by name is taken", async () => {
    const out = await runConsole(services, ["topup", "9", "TRC20", "", "10"], me);
    expect(out).toContain("Payment method: 9\n⚠️ Choose a number from 1 to 3, or one of: trc20, erc20, bank.\nPayment method: TRC20\n");
    expect(out).toContain("Credit to buy (USD): \n⚠️ Credit to buy (USD) cannot be empty: type a value, or /cancel to leave the form.");
    expect(out).toContain("Top-up order CD-");
  });
});
