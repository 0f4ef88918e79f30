import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatDecimal, formatUsd } from "../../src/ledger/money.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import type { Services } from "../../src/services.ts";
import { runConsole, lastOrderNo } from "../helpers/consoleScript.ts";
import { drawn } from "../helpers/outbox.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";

const dir = mkdtempSync(path.join(tmpdir(), "cd-console-"));
const png = path.join(dir, "pay.png");
writeFileSync(png, PNG_BYTES);
const hash = (n: number) => "0x" + n.toString(16).padStart(64, "0");

let services: Services;
afterEach(async () => {
  await services?.db.close();
});

async function balanceOf(userId: string) {
  const identity = await services.prisma.chatIdentity.findFirstOrThrow({ where: { platform: "console", userId } });
  const rows = await services.prisma.balance.findMany({ where: { accountId: identity.accountId } });
  return Object.fromEntries(rows.map((r) => [r.bucket, r.amount]));
}

describe("top-up lifecycle through the console", () => {
  it("topup 10 USDT (told 10 plus its unique suffix) with a 20% bonus → proof → support confirms → paid + 20%, a direct message, a clean reconcile", async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    const out = await runConsole(services, [
      "topup trc20 10",
      "1",
      hash(1),
      png,
      "/as support",
      "queue",
      "1",
      "y",
      "/as customer",
      "balance",
    ]);
    // The network shares one deposit address: the order is told 10 USDT plus its own small suffix,
    // and the suffix is the customer's money too (credited, bonus included).
    const order = await services.prisma.topupOrder.findFirstOrThrow({ where: { orderNo: lastOrderNo(out) } });
    const paid = order.instructedAmount;
    expect(paid > 10_000_000n && paid <= 10_099_900n && paid % 100n === 0n).toBe(true);
    const bonus = paid / 5n;
    expect(out).toContain(`Send exactly ${formatDecimal(paid, 0)} USDT`);
    expect(out).toContain(`${formatDecimal(paid, 0)} USDT → ${formatDecimal(paid + bonus, 0)} USD of credit: ${formatDecimal(paid, 0)} principal + ${formatDecimal(bonus, 0)} bonus.`);
    expect(out).toContain("🛎  [support channel] new card");
    expect(out).toContain(`📩 Direct message to alice\n   ✅ Your top-up ${order.orderNo} is confirmed: ${formatUsd(paid)} + ${formatUsd(bonus)} bonus = ${formatUsd(paid + bonus)}`);
    expect(out).toContain(`Current balance: ${formatUsd(paid + bonus)}`);
    expect(await balanceOf("alice")).toEqual({ principal: paid, bonus });
    const entries = await services.prisma.ledgerEntry.findMany({ orderBy: { id: "asc" } });
    expect(entries.map((e) => [e.type, e.bucket, e.amount])).toEqual([
      ["usdt_topup", "principal", paid],
      ["topup_bonus", "bonus", bonus],
    ]);
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
    const dms = await services.prisma.outboxMessage.findMany({ where: { kind: "dm" } });
    expect(dms).toHaveLength(1);
    expect(dms[0].status).toBe("sent");
  });

  it("a tier-table method earns the seeds' bonuses: 100 → 103 and 2,000 → 2,240", async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    const first = await runConsole(services, ["topup bank 100", "1", "BANKREF-0001", png]);
    const second = await runConsole(services, ["topup bank 2000", "1", "BANKREF-0002", png]);
    expect(first).toContain("100 USD → 103 USD of credit: 100 principal + 3 bonus.");
    expect(second).toContain("2,000 USD → 2,240 USD of credit: 2,000 principal + 240 bonus.");
    await runConsole(services, ["/as support", `confirm ${lastOrderNo(first)}`, `confirm ${lastOrderNo(second)}`]);
    expect(await balanceOf("alice")).toEqual({ principal: 2_100_000_000n, bonus: 243_000_000n });
  });

  it("support confirms a different amount than requested: the bonus follows the confirmed principal", async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    const out = await runConsole(services, ["topup trc20 100", "1", hash(7), png]);
    await runConsole(services, ["/as support", `confirm ${lastOrderNo(out)} 50`]);
    expect(await balanceOf("alice")).toEqual({ principal: 50_000_000n, bonus: 10_000_000n });
  });

  for (const [locale, expected] of [
    ["en", { wrong_network: "Sent on the wrong network", amount_mismatch: "The amount does not match", not_found: "The transaction was not found", below_minimum: "Below the minimum", duplicate: "Duplicate submission", other: "Other" }],
    ["zh-CN", { wrong_network: "转账网络错误", amount_mismatch: "金额不符", not_found: "未找到该交易", below_minimum: "低于最低金额", duplicate: "重复提交", other: "其他" }],
  ] as const) {
    it(`each rejection reason reaches the customer in ${locale}`, async () => {
      services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
      let n = 100;
      for (const [reason, text] of Object.entries(expected)) {
        const created = await runConsole(services, [`/lang ${locale}`, "topup trc20 10", "1", hash(n++), png]);
        const order = lastOrderNo(created);
        const decided = await runConsole(services, ["/as support", `reject ${order}`, String(Object.keys(expected).indexOf(reason) + 1), "see the explorer"]);
        expect(decided).toContain("📩 Direct message to alice");
        const dm = await services.prisma.outboxMessage.findFirstOrThrow({ where: { kind: "dm", dedupeKey: { contains: "rejected" } }, orderBy: { id: "desc" } });
        const text_ = JSON.stringify(await drawn(services, dm));
        expect(text_).toContain(text);
        expect(text_).toContain(order);
        expect(text_).toContain("see the explorer");
        expect(decided).toContain(text);
      }
      const rejected = await services.prisma.topupOrder.findMany({ where: { status: "rejected" } });
      expect(rejected.map((o) => o.rejectReason).sort()).toEqual(Object.keys(expected).sort());
      expect(await services.prisma.ledgerEntry.count()).toBe(0);
    });
  }
});
