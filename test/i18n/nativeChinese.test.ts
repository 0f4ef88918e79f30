import { describe, expect, it } from "vitest";
import { loadCatalog, type Catalog } from "../../src/i18n.ts";
import { registry } from "../../commands/index.ts";

/**
 * A zh-CN string holds Chinese, not English left untranslated. What may stay in Latin letters:
 * - names and units everybody writes that way (USDT, the networks, USD, API, ID, PNG …);
 * - what the reader types or reads exactly: `code` spans, command names, and a word glossed in
 *   Chinese where it appears ("create（创建）"), which makes it a value to type everywhere;
 * - placeholders ({order}, {field:label}) and the shapes of identifiers (CD-000123, ABCD-EFGH,
 *   RF-000123, REDEMPTION_CODE_SECRET, 12h).
 * Anything else is an English word in a Chinese message, and fails here with its key.
 */
const ALLOWED = new Set([
  "USDT", "TRC20", "ERC20", "BEP20", "USD", "CNY", "API", "ID", "RPC", "PNG", "JPEG", "WebP", "GIF", "CSV", "UTC",
  "token", "RPM", "TPM", "Credit", "Desk", "Slack", "Discord", "BNB", "Chain", "Tron", "Ethereum",
]);

function glossedWords(catalog: Catalog): Set<string> {
  const words = new Set<string>();
  for (const text of catalog.values()) for (const m of text.matchAll(/\b([a-z][a-z_-]*)（[^）]*[\u4e00-\u9fff][^）]*）/g)) words.add(m[1]);
  return words;
}

function untranslatedWords(text: string, typed: Set<string>): string[] {
  const stripped = text
    .replace(/`[^`\n]*`/g, " ")
    .replace(/\{\w+(?::\w+)?\}/g, " ")
    .replace(/[“"]([a-z]+)[”"]/g, " ")
    .replace(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g, " ")
    .replace(/\b[A-Z]{1,4}-(?:[A-Z0-9…]+-?)*[A-Z0-9…]*/g, " ")
    .replace(/\b\d+[a-z]+\b/g, " ")
    .replace(/https?:\/\/\S+/g, " ");
  return [...stripped.matchAll(/[A-Za-z][A-Za-z0-9_-]*/g)].map((m) => m[0]).filter((w) => !ALLOWED.has(w) && !typed.has(w));
}

describe("zh-CN is Chinese", () => {
  const zh = loadCatalog("zh-CN");
  const typed = new Set([...registry.commands.map((c) => c.name), ...glossedWords(zh)]);

  it("no English word is left untranslated in a zh-CN string, apart from the allow-list", () => {
    const found = [...zh.entries()].flatMap(([key, text]) => {
      const words = untranslatedWords(text, typed);
      return words.length ? [`${key}: ${words.join(", ")}`] : [];
    });
    expect(found).toEqual([]);
  });

  it("the check finds what the issue found", () => {
    expect(untranslatedWords("请填写 order。", typed)).toEqual(["order"]);
    expect(untranslatedWords("订单 CD-000001 已处理（confirmed）", typed)).toEqual(["confirmed"]);
    expect(untranslatedWords("您现在是 support“console-support”", typed)).toContain("support");
    expect(untranslatedWords("付款截图 (path to a file)", typed)).toEqual(["path", "to", "a", "file"]);
    expect(untranslatedWords("请输入 `help` 或 topup，网络 TRC20，订单 CD-000123，{order}", typed)).toEqual([]);
  });

  it("the statuses and labels the issue named read natively", () => {
    expect(zh.get("topups.status.submitted")).toBe("待审核");
    expect(zh.get("topups.status.rejected")).toBe("已驳回");
    expect(zh.get("topups.instructions.expires")).toBe("付款截止时间");
    for (const bucket of ["principal", "bonus", "trial", "promo"]) expect(zh.get(`balance.${bucket}`)).toMatch(/额度$/);
  });
});
