import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENTRY_TYPES } from "../../src/ledger/types.ts";
import { LOCALES, loadCatalog, pluralCategories, pluralMessages, resolveLocale, translate, type Catalog, type Locale } from "../../src/i18n.ts";
import { translatePlain } from "../../src/core/markup.ts";
import { ORDER_STATUSES } from "../../src/topups/orderStatus.ts";
import { REJECT_REASONS } from "../../src/topups/rejectTopup.ts";
import { HELP_TOPICS } from "../../commands/help.ts";
import { registry } from "../../commands/index.ts";

const root = path.resolve(import.meta.dirname, "../..");
const catalogs = Object.fromEntries(LOCALES.map((l) => [l, loadCatalog(l)])) as Record<Locale, Catalog>;
const plurals = Object.fromEntries(LOCALES.map((l) => [l, pluralMessages(catalogs[l])])) as Record<Locale, Map<string, Map<string, string>>>;

/** A catalog's keys with each plural message as one key: its forms differ by language. */
function messageIds(locale: Locale): string[] {
  const ids = new Set<string>();
  for (const key of catalogs[locale].keys()) {
    const id = key.slice(0, key.lastIndexOf("."));
    ids.add(plurals[locale].has(id) ? id : key);
  }
  return [...ids].sort();
}

function has(locale: Locale, key: string): boolean {
  return catalogs[locale].has(key) || plurals[locale].has(key);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === "generated" || name === "node_modules") return [];
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith(".ts") ? [full] : [];
  });
}

describe("locales", () => {
  it("English and Simplified Chinese define exactly the same messages", () => {
    const en = messageIds("en");
    const zh = messageIds("zh-CN");
    expect(zh.filter((k) => !en.includes(k))).toEqual([]);
    expect(en.filter((k) => !zh.includes(k))).toEqual([]);
  });

  it("a plural message has every form its language's plural rules ask for", () => {
    expect(pluralCategories("en")).toEqual(["one", "other"]);
    expect(pluralCategories("zh-CN")).toEqual(["other"]);
    const missing: string[] = [];
    for (const locale of LOCALES) {
      for (const [id, forms] of plurals[locale]) {
        for (const category of pluralCategories(locale)) if (!forms.has(category)) missing.push(`${locale}: ${id}.${category}`);
      }
    }
    expect(missing).toEqual([]);
    expect(plurals.en.has("support.queue.title")).toBe(true);
    // A group that merely has an "other" member among others is not a plural message.
    expect(plurals.en.has("topups.reject_reason")).toBe(false);
  });

  it("every message key written in the code exists in both locales", () => {
    const areas = new Set([...catalogs.en.keys()].map((k) => k.split(".")[0]));
    const missing: string[] = [];
    for (const file of [...sourceFiles(path.join(root, "src")), ...sourceFiles(path.join(root, "commands"))]) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/["'`]([a-z_]+(?:\.[A-Za-z0-9_]+)+)["'`]/g)) {
        const key = match[1];
        if (!areas.has(key.split(".")[0]) || /\.(ts|js|json|png|com|org|io|net)$/.test(key)) continue;
        for (const locale of LOCALES) if (!has(locale, key)) missing.push(`${locale}: ${key} (${path.relative(root, file)})`);
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
    for (const locale of LOCALES) expect(keys.filter((k) => !has(locale, k)), locale).toEqual([]);
  });

  it("placeholders, with their formats, are the same in both languages", () => {
    const params = (s: string) => [...new Set([...s.matchAll(/\{(\w+(?::\w+)?)\}/g)].map((m) => m[1]))].sort();
    // A plural message's placeholders are those of all its forms ("1 order" may spell the count out).
    const textOf = (locale: Locale, id: string) => (plurals[locale].has(id) ? [...plurals[locale].get(id)!.values()].join(" ") : (catalogs[locale].get(id) ?? ""));
    const differ = messageIds("en").filter((id) => JSON.stringify(params(textOf("en", id))) !== JSON.stringify(params(textOf("zh-CN", id))));
    expect(differ).toEqual([]);
  });

  it("a placeholder's format names a group that exists: {x:label} a field, {x:status} an order status", () => {
    const unknown: string[] = [];
    for (const locale of LOCALES) {
      for (const [key, text] of catalogs[locale]) {
        for (const m of text.matchAll(/\{\w+:(\w+)\}/g)) if (m[1] !== "label" && m[1] !== "status") unknown.push(`${locale}: ${key} {…:${m[1]}}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it("emphasis is **bold**, the markup every renderer reads (src/core/markup.ts): no Slack *x* or _x_ left in a message", () => {
    const slackish = /(?<![*\w])\*[^*\s][^*\n]*\*(?![*\w])|(?<![_\w])_[^_\s][^_\n]*_(?![_\w])/;
    const found = LOCALES.flatMap((locale) => [...catalogs[locale].entries()].filter(([, text]) => slackish.test(text)).map(([key]) => `${locale}: ${key}`));
    expect(found).toEqual([]);
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
