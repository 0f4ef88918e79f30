import { describe, expect, it } from "vitest";
import { hasKey, translate } from "../../src/i18n.ts";
import { timeToken, translatePlain } from "../../src/core/markup.ts";

describe("plural forms (Intl.PluralRules)", () => {
  it("English picks one or other by the count; Chinese has one form", () => {
    expect(translate("en", "support.queue.title", { count: 1 })).toBe("1 top-up waiting for a decision");
    expect(translate("en", "support.queue.title", { count: 2 })).toBe("2 top-ups waiting for a decision");
    expect(translate("en", "support.queue.title", { count: 0 })).toBe("0 top-ups waiting for a decision");
    expect(translate("zh-CN", "support.queue.title", { count: 1 })).toBe("1 笔充值待审核");
    expect(translate("zh-CN", "support.queue.title", { count: 30 })).toBe("30 笔充值待审核");
  });

  it("a bigint or a numeric string counts by its value; without a count the message is `other`", () => {
    expect(translate("en", "support.queue.title", { count: 1n })).toBe("1 top-up waiting for a decision");
    expect(translate("en", "support.queue.title", { count: "1" })).toBe("1 top-up waiting for a decision");
    expect(translate("en", "support.queue.title", { count: "1,000" })).toBe("1,000 top-ups waiting for a decision");
    expect(translate("en", "support.queue.title")).toBe("{count} top-ups waiting for a decision");
  });

  it("the runway texts: 1 hour, 5 hours, 1 day, 3 days; one Chinese form", () => {
    expect(translate("en", "low_balance.time_left.hours", { count: 1n })).toBe("about 1 hour left");
    expect(translate("en", "low_balance.time_left.hours", { count: 5n })).toBe("about 5 hours left");
    expect(translate("zh-CN", "low_balance.time_left.hours", { count: 1n })).toBe("约 1 小时");
    expect(translate("en", "usage_view.runway.days", { count: 1n, daily: "$2.00" })).toBe("at the last 7 days' spend ($2.00 a day), about 1 day left");
    expect(translate("en", "usage_view.runway.days", { count: 3n, daily: "$2.00" })).toBe("at the last 7 days' spend ($2.00 a day), about 3 days left");
  });

  it("a plural message is a key like any other: hasKey knows it, a missing one shows its key", () => {
    expect(hasKey("en", "support.queue.title")).toBe(true);
    expect(hasKey("zh-CN", "support.queue.title")).toBe(true);
    expect(translate("en", "support.queue.nothing_like_this", { count: 1 })).toBe("support.queue.nothing_like_this");
  });

  it("a group with an `other` member among other names stays a group of plain messages", () => {
    expect(translate("en", "topups.reject_reason.other")).toBe("Other");
    expect(translate("en", "topups.reject_reason.wrong_network", { count: 1 })).toBe("Sent on the wrong network");
  });
});

describe("formatted placeholders", () => {
  it("{field:label} shows the field's name in the reader's language, never the raw name", () => {
    expect(translate("en", "errors.required", { field: "order" })).toBe("Please fill in the order number.");
    expect(translate("zh-CN", "errors.required", { field: "order" })).toBe("请填写订单号。");
    expect(translate("zh-CN", "errors.invalid_field", { field: "txHash" })).toBe("交易哈希无效。");
    expect(translate("zh-CN", "errors.required", { field: "reason" })).not.toMatch(/reason/);
    expect(translate("zh-CN", "errors.unreadable_characters", { field: "order" })).toMatch(/^订单号中有无法识别的字符/);
  });

  it("a field without a label shows as given rather than disappearing", () => {
    expect(translate("en", "errors.required", { field: "nonesuch" })).toBe("Please fill in the nonesuch.");
  });

  it("{status:status} shows an order status in words: no raw `confirmed` in a reply", () => {
    expect(translate("en", "errors.order_already_decided", { order: "CD-000001", status: "confirmed" })).toBe("Order **CD-000001** was already decided (Completed). Nothing was changed.");
    expect(translate("zh-CN", "errors.order_already_decided", { order: "CD-000001", status: "confirmed" })).toBe("订单 **CD-000001** 已处理（已完成），未做任何更改。");
    expect(translate("zh-CN", "errors.order_wrong_state", { order: "CD-000001", status: "submitted" })).toContain("待审核");
    expect(translate("zh-CN", "topups.status.rejected")).toBe("已驳回");
  });

  it("translatePlain drops the markup and writes times in UTC, for what leaves chat", () => {
    expect(translatePlain("en", "errors.order_already_decided", { order: "CD-000001", status: "rejected" })).toBe("Order CD-000001 was already decided (Rejected). Nothing was changed.");
    const at = new Date("2026-11-29T16:23:00Z");
    expect(translatePlain("en", "balance.entry_line", { time: timeToken(at), type: "Top-up", amount: "$1.00", after: "$2.00" })).toBe("• 2026-11-29 16:23 UTC — Top-up: $1.00 (balance $2.00)");
  });
});
