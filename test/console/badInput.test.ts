import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Services } from "../../src/services.ts";
import { lastOrderNo, runConsole } from "../helpers/consoleScript.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";

const dir = mkdtempSync(path.join(tmpdir(), "cd-bad-"));
const png = path.join(dir, "pay.png");
const fakePng = path.join(dir, "notes.png");
const bigPng = path.join(dir, "huge.png");
writeFileSync(png, PNG_BYTES);
writeFileSync(fakePng, "this is a text file pretending to be a picture\n");
writeFileSync(bigPng, Buffer.concat([Buffer.from(PNG_BYTES), Buffer.alloc(64 * 1024)]));
const hash = (n: number) => "0x" + n.toString(16).padStart(64, "0");

let services: Services;
let clock = Date.parse("2026-11-23T10:00:00Z");

/** Every table a bad input could write to, and the state of every order. */
async function snapshot() {
  const p = services.prisma;
  return {
    orders: await p.topupOrder.findMany({ orderBy: { seq: "asc" }, select: { id: true, status: true, txHash: true, screenshotSha256: true } }),
    postings: await p.posting.count(),
    entries: await p.ledgerEntry.count(),
    outbox: await p.outboxMessage.count(),
    files: await p.storedFile.count(),
    balances: await p.balance.findMany({ orderBy: [{ accountId: "asc" }, { bucket: "asc" }] }),
  };
}

beforeAll(async () => {
  services = await createTestServices({ env: { SCREENSHOT_MAX_BYTES: String(32 * 1024), ORDER_TTL_MINUTES: "60" }, now: () => new Date(clock) });
  // The first contact creates the account (and its trial credit): do it before measuring "nothing written".
  await runConsole(services, ["balance"]);
});
afterAll(async () => {
  await services.db.close();
});

describe("bad input gets its own message and writes nothing", () => {
  const amountCases: [string, string][] = [
    ["0", "The amount must be more than zero."],
    ["-5", "The amount must be positive."],
    ["1e3", "“1e3” is not an amount."],
    ["10.1234567", "Use at most 6 digits after the decimal point."],
    ["9.99", "The minimum for this method is $10.00."],
  ];
  for (const [amount, message] of amountCases) {
    it(`topup amount ${amount}`, async () => {
      const before = await snapshot();
      const out = await runConsole(services, [`topup trc20 ${amount}`]);
      expect(out).toContain(`⚠️ ${message}`);
      expect(await snapshot()).toEqual(before);
    });
  }

  it("an unknown network", async () => {
    const before = await snapshot();
    const out = await runConsole(services, ["topup solana 10"]);
    expect(out).toContain("⚠️ “solana” is not a payment method we accept. Choose one of: trc20, erc20, bank.");
    expect(await snapshot()).toEqual(before);
  });

  describe("proof", () => {
    let order: string;
    beforeAll(async () => {
      order = lastOrderNo(await runConsole(services, ["topup erc20 20"]));
    });

    const proofCases: [string, () => string[], string][] = [
      ["a malformed hash", () => [`proof ${order} 0x1234 ${png}`], "That is not a transaction hash for this network."],
      ["a TRON-style hash without 0x on an EVM network", () => [`proof ${order} ${"ab".repeat(32)} ${png}`], "That is not a transaction hash for this network."],
      ["a text file renamed .png", () => [`proof ${order} ${hash(1)} ${fakePng}`], "The screenshot must be an image (PNG, JPEG, WebP or GIF)."],
      ["a file over the limit", () => [`proof ${order} ${hash(1)} ${bigPng}`], "The screenshot is too large. The limit is 32 KB."],
      ["an order number that is not one", () => [`proof XYZ ${hash(1)} ${png}`], "“XYZ” is not an order number."],
    ];
    for (const [name, lines, message] of proofCases) {
      it(name, async () => {
        const before = await snapshot();
        const out = await runConsole(services, lines());
        expect(out).toContain(`⚠️ ${message}`);
        expect(await snapshot()).toEqual(before);
      });
    }

    it("a hash already used by another account", async () => {
      const bobOrder = lastOrderNo(await runConsole(services, ["topup erc20 15"], { customer: "bob", support: "sam" }));
      const bobProof = await runConsole(services, [`proof ${bobOrder} ${hash(42)} ${png}`], { customer: "bob", support: "sam" });
      expect(bobProof).toContain("We received the proof");
      const before = await snapshot();
      const out = await runConsole(services, [`proof ${order} ${hash(42).toUpperCase().replace("0X", "0x")} ${png}`]);
      expect(out).toContain(`⚠️ This transaction is already cited by order ${bobOrder}.`);
      expect(await snapshot()).toEqual(before);
    });

    it("a foreign order is not found, and nothing is written", async () => {
      const before = await snapshot();
      const out = await runConsole(services, [`proof ${order} ${hash(2)} ${png}`], { customer: "mallory", support: "sam" });
      expect(out).toContain(`⚠️ Order ${order} was not found among your orders.`);
      const cancel = await runConsole(services, [`cancel ${order}`], { customer: "mallory", support: "sam" });
      expect(cancel).toContain(`⚠️ Order ${order} was not found among your orders.`);
      const after = await snapshot();
      expect(after.orders).toEqual(before.orders);
      expect(after.outbox).toBe(before.outbox);
    });

    it("a cancelled order", async () => {
      const cancelled = lastOrderNo(await runConsole(services, ["topup erc20 11"]));
      expect(await runConsole(services, [`cancel ${cancelled}`])).toContain(`Order ${cancelled} was cancelled.`);
      const before = await snapshot();
      const out = await runConsole(services, [`proof ${cancelled} ${hash(3)} ${png}`]);
      expect(out).toContain(`⚠️ Order ${cancelled} was cancelled.`);
      expect(await snapshot()).toEqual(before);
    });

    it("an expired order", async () => {
      const expiring = lastOrderNo(await runConsole(services, ["topup erc20 12"]));
      clock += 61 * 60_000;
      const before = await snapshot();
      const out = await runConsole(services, [`proof ${expiring} ${hash(4)} ${png}`]);
      expect(out).toContain(`⚠️ Order ${expiring} has expired.`);
      expect(await snapshot()).toEqual(before);
      const expiry = await runConsole(services, ["/wait 1"]);
      expect(expiry).toMatch(/orders expired/);
      const row = await services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo: expiring } });
      expect(row.status).toBe("expired");
      expect(expiry).toContain(`Your top-up order ${expiring} expired`);
    });
  });
});

describe("who may decide", () => {
  it("a customer who types confirm is refused, nothing is written, and the attempt is audited", async () => {
    const order = lastOrderNo(await runConsole(services, ["topup trc20 10", "1", hash(500), png]));
    const before = await snapshot();
    const out = await runConsole(services, [`confirm ${order}`, "queue"]);
    expect(out).toContain("⚠️ Only support members can do this. Nothing was changed.");
    const after = await snapshot();
    expect(after.orders).toEqual(before.orders);
    expect(after.entries).toBe(before.entries);
    expect(after.outbox).toBe(before.outbox);
    const audit = await services.prisma.auditLog.findMany({ where: { outcome: "refused:not_support" } });
    expect(audit.map((a) => a.action).sort()).toEqual(["queue.view", "topup.confirm"]);
  });

  it("a support member cannot confirm an order of their own account", async () => {
    const order = lastOrderNo(await runConsole(services, ["/as support sam", "topup trc20 10", "1", hash(501), png]));
    const before = await snapshot();
    const out = await runConsole(services, ["/as support sam", `confirm ${order}`]);
    expect(out).toContain("⚠️ You cannot decide an order of your own account.");
    const after = await snapshot();
    expect(after.entries).toBe(before.entries);
    expect(after.orders).toEqual(before.orders);
    expect(await services.prisma.auditLog.count({ where: { outcome: "refused:own_account" } })).toBe(1);
    const other = await runConsole(services, ["/as support tess", `confirm ${order}`]);
    expect(other).toContain(`Order ${order} confirmed`);
  });
});
