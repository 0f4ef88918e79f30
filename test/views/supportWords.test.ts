import { describe, expect, it } from "vitest";
import { translator } from "../../src/i18n.ts";
import { auditView } from "../../src/views/auditView.ts";
import type { AuditRow } from "../../src/support/readAuditPage.ts";

/** What support reads in the audit view: codes the domain recorded, in words of the reader's language. */
const row = (id: number, action: string, detail: Record<string, unknown>, outcome = "ok"): AuditRow => ({
  id: BigInt(id),
  createdAt: new Date(Date.UTC(2026, 10, 29, 16, 23)),
  actorType: "support",
  actorId: "sam",
  platform: "console",
  action,
  outcome,
  orderId: null,
  detail,
});

function lines(locale: "en" | "zh-CN", rows: AuditRow[]): string[] {
  const reply = auditView({ target: { kind: "account", accountId: "acc-1" }, rows, nextBefore: null, newest: true }, translator(locale));
  return reply.blocks.flatMap((b) => (b.type === "text" ? [b.text] : []));
}

describe("audit view words", () => {
  const rows = [
    row(3, "topup.reject", { reason: "wrong_network", note: "sent on ERC20" }),
    row(2, "adjustment.request", { adjustment: "ADJ-000001", amount: "5000000", bucket: "bonus", status: "pending" }),
    row(1, "adjustment.request", { bucket: "savings" }, "refused:not_support"),
  ];

  it("shows buckets, statuses and reject reasons in words, amounts in dollars, times as tokens", () => {
    const [reject, adjust] = lines("en", rows);
    expect(reject).toContain("reason Sent on the wrong network");
    expect(reject).toContain("“sent on ERC20”");
    expect(adjust).toContain("balance bucket Bonus");
    expect(adjust).toContain("status Waiting for approval");
    expect(adjust).toContain("amount $5.00");
    expect(adjust).toContain("adjustment ADJ-000001");
    expect(adjust).toMatch(/⟦time:\d+:datetime⟧/);
    expect(adjust).not.toMatch(/bucket bonus|status pending/);
  });

  it("in Chinese too", () => {
    const [reject, adjust] = lines("zh-CN", rows);
    expect(reject).toContain("原因 转账网络错误");
    expect(adjust).toContain("余额分类 赠送额度");
    expect(adjust).toContain("金额 $5.00");
    expect(adjust).toContain("状态 等待审批");
  });

  it("keeps what a refused command typed as it was typed", () => {
    expect(lines("en", rows)[2]).toContain("balance bucket savings");
  });
});
