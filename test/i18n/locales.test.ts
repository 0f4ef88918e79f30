import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENTRY_TYPES } from "../../src/ledger/types.ts";
import { LOCALES, loadCatalog, resolveLocale, translate } from "../../src/i18n.ts";
import { ORDER_STATUSES } from "../../src/topups/orderStatus.ts";
import { REJECT_REASONS } from "../../src/topups/rejectTopup.ts";
import { HELP_TOPICS } from "../../commands/help.ts";
import { registry } from "../../commands/index.ts";

const root = path.resolve(import.meta.dirname, "../..");
const catalogs = Object.fromEntries(LOCALES.map((l) => [l, loadCatalog(l)]));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === "generated" || name === "node_modules") return [];
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith(".ts") ? [full] : [];
  });
}

describe("locales", () => {
  it("English and Simplified Chinese define exactly the same keys", () => {
    const en = [...catalogs.en.keys()].sort();
    const zh = [...catalogs["zh-CN"].keys()].sort();
    expect(zh.filter((k) => !catalogs.en.has(k))).toEqual([]);
    expect(en.filter((k) => !catalogs["zh-CN"].has(k))).toEqual([]);
  });

  it("every message key written in the code exists in both locales", () => {
    const areas = new Set([...catalogs.en.keys()].map((k) => k.split(".")[0]));
    const missing: string[] = [];
    for (const file of [...sourceFiles(path.join(root, "src")), ...sourceFiles(path.join(root, "commands"))]) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/["'`]([a-z_]+(?:\.[A-Za-z0-9_]+)+)["'`]/g)) {
        const key = match[1];
        if (!areas.has(key.split(".")[0]) || /\.(ts|js|json|png|com|org|io|net)$/.test(key)) continue;
        for (const locale of LOCALES) if (!catalogs[locale].has(key)) missing.push(`${locale}: ${key} (${path.relative(root, file)})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("every key built at run time exists: statuses, reasons, entry types, help topics, command descriptions", () => {
    const keys = [
      ...ORDER_STATUSES.map((s) => `topups.status.${s}`),
      ...REJECT_REASONS.map((r) => `topups.reject_reason.${r}`),
      ...ENTRY_TYPES.map((e) => `ledger.type.${e}`),
      ...HELP_TOPICS.flatMap((h) => [`help.faq.${h}.question`, `help.faq.${h}.answer`]),
      ...registry.commands.flatMap((c) => [c.descriptionKey, ...c.options.map((o) => o.descriptionKey)]),
    ];
    for (const locale of LOCALES) expect(keys.filter((k) => !catalogs[locale].has(k)), locale).toEqual([]);
  });

  it("placeholders are the same in both languages", () => {
    const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const differ = [...catalogs.en.entries()].filter(([k, v]) => JSON.stringify(params(v)) !== JSON.stringify(params(catalogs["zh-CN"].get(k) ?? "")));
    expect(differ.map(([k]) => k)).toEqual([]);
  });

  it("picks the user's language from the platform locale and falls back to English", () => {
    expect(resolveLocale("zh-CN")).toBe("zh-CN");
    expect(resolveLocale("zh_CN")).toBe("zh-CN");
    expect(resolveLocale("zh")).toBe("zh-CN");
    expect(resolveLocale("en-US")).toBe("en");
    expect(resolveLocale("ja")).toBe("en");
    expect(resolveLocale(undefined)).toBe("en");
    expect(translate("zh-CN", "errors.amount_zero")).toBe("金额必须大于零。");
    expect(translate("en", "errors.order_expired", { order: "CD-000001" })).toContain("CD-000001");
  });
});
