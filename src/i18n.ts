import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Every customer-facing string lives in locales/<locale>/*.json (one file per area, nested keys
 * flattened with dots). A missing key in a locale falls back to English, and a key missing
 * everywhere shows as the key itself (a test keeps that from shipping).
 *
 * Placeholders:
 *   {name}        the parameter as given.
 *   {name:label}  the parameter names a form field ("order"): it is shown as that field's label,
 *                 `fields.<value>` in the reader's language ("the order number", "订单号"), or as
 *                 given when there is none. errors.required and errors.invalid_field use it, since
 *                 dispatch only knows a field by its name.
 *   {name:status} the parameter is an order status ("confirmed"): shown as `topups.status.<value>`
 *                 ("Completed", "已完成"); errors raised deep in the domain carry the raw status.
 *
 * Plural forms: a message that shows a number is a group of its plural forms, one per plural
 * category of the language (Intl.PluralRules), and nothing else:
 *   "expired": { "one": "{count} order expired", "other": "{count} orders expired" }   (en: one, other)
 *   "expired": { "other": "{count} 笔订单已过期" }                                    (zh-CN: other only)
 * `t("….expired", { count })` picks the form for `count` in the reader's language; without a count
 * it is `other`. A group is a plural message only when all of its keys are category names and one
 * of them is `other`, so a group such as topups.reject_reason (which has an `other` reason among
 * others) stays a plain group.
 */
export const LOCALES = ["en", "zh-CN"] as const;
export type Locale = (typeof LOCALES)[number];
export const FALLBACK_LOCALE: Locale = "en";

export const LOCALES_DIR = fileURLToPath(new URL("../locales", import.meta.url));

export type Catalog = Map<string, string>;
const catalogs = new Map<Locale, Catalog>();
const pluralRules = new Map<Locale, Intl.PluralRules>();

function flatten(prefix: string, value: unknown, into: Catalog, file: string): void {
  if (typeof value === "string") {
    if (into.has(prefix)) throw new Error(`${file}: key ${prefix} is defined twice`);
    into.set(prefix, value);
    return;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) flatten(prefix ? `${prefix}.${k}` : k, v, into, file);
    return;
  }
  throw new Error(`${file}: ${prefix} is neither text nor a group`);
}

export function loadCatalog(locale: Locale, dir = LOCALES_DIR): Catalog {
  const catalog: Catalog = new Map();
  const folder = path.join(dir, locale);
  for (const name of readdirSync(folder).filter((n) => n.endsWith(".json")).sort()) {
    const file = path.join(folder, name);
    flatten("", JSON.parse(readFileSync(file, "utf8")), catalog, file);
  }
  return catalog;
}

function catalog(locale: Locale): Catalog {
  let found = catalogs.get(locale);
  if (!found) {
    found = loadCatalog(locale);
    catalogs.set(locale, found);
  }
  return found;
}

function rulesOf(locale: Locale): Intl.PluralRules {
  let rules = pluralRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  return rules;
}

/** The plural categories a language writes forms for: ["one", "other"] in English, ["other"] in Chinese. */
export function pluralCategories(locale: Locale): string[] {
  return [...rulesOf(locale).resolvedOptions().pluralCategories];
}

/** Every plural category CLDR knows: what a plural message's keys may be named. */
export const PLURAL_CATEGORIES = ["zero", "one", "two", "few", "many", "other"] as const;

/**
 * The plural messages of a catalog: the ids of the groups whose keys are all plural categories,
 * one of them `other` (test/i18n checks each language has the forms its rules ask for).
 */
export function pluralMessages(messages: Catalog): Map<string, Map<string, string>> {
  const groups = new Map<string, Map<string, string> | null>();
  for (const [key, text] of messages) {
    const cut = key.lastIndexOf(".");
    if (cut <= 0) continue;
    const id = key.slice(0, cut);
    const form = key.slice(cut + 1);
    const group = groups.get(id);
    if (group === null) continue;
    if (!(PLURAL_CATEGORIES as readonly string[]).includes(form)) groups.set(id, null);
    else (group ?? groups.set(id, new Map()).get(id)!).set(form, text);
  }
  // A key that is itself a group's parent ("a.b" beside "a.b.one") makes that group no message.
  const plural = new Map<string, Map<string, string>>();
  for (const [id, forms] of groups) if (forms && forms.has("other") && !messages.has(id)) plural.set(id, forms);
  return plural;
}

/** Maps a platform's locale ("zh-CN", "zh_CN", "zh", "en-US", "ja") to one we ship. */
export function resolveLocale(platformLocale: string | null | undefined): Locale {
  if (!platformLocale) return FALLBACK_LOCALE;
  const normalized = platformLocale.replace("_", "-").toLowerCase();
  if (normalized === "zh" || normalized.startsWith("zh-cn") || normalized.startsWith("zh-hans") || normalized === "zh-sg") {
    return "zh-CN";
  }
  return FALLBACK_LOCALE;
}

export type Params = Record<string, string | number | bigint>;

/** A number for Intl.PluralRules: a bigint or a numeric string counts as its value. */
function countOf(value: string | number | bigint | undefined): number | null {
  if (value === undefined) return null;
  const n = typeof value === "number" ? value : Number(typeof value === "bigint" ? value : value.replace(/,/g, ""));
  return Number.isFinite(n) ? n : null;
}

/** The template of a key in one language: the key itself, or the plural form its count asks for. */
function templateIn(locale: Locale, key: string, params: Params): string | undefined {
  const messages = catalog(locale);
  const exact = messages.get(key);
  if (exact !== undefined || !messages.has(`${key}.other`)) return exact;
  const count = countOf(params.count);
  const category = count === null ? "other" : rulesOf(locale).select(count);
  return messages.get(`${key}.${category}`) ?? messages.get(`${key}.other`);
}

/** The word for a code ("order", "confirmed") from a group of the catalog, or the code itself. */
function labelIn(locale: Locale, prefix: string, value: string): string {
  const key = prefix + value;
  return catalog(locale).get(key) ?? catalog(FALLBACK_LOCALE).get(key) ?? value;
}

export function translate(locale: Locale, key: string, params: Params = {}): string {
  const template = templateIn(locale, key, params) ?? templateIn(FALLBACK_LOCALE, key, params) ?? key;
  return template.replace(/\{(\w+)(?::(\w+))?\}/g, (whole, name: string, format: string | undefined) => {
    if (!(name in params)) return whole;
    const value = String(params[name]);
    if (format === "label") return labelIn(locale, "fields.", value);
    if (format === "status") return labelIn(locale, "topups.status.", value);
    return value;
  });
}

/** Whether the language has this message, as a plain key or as a plural message. */
export function hasKey(locale: Locale, key: string): boolean {
  const messages = catalog(locale);
  return messages.has(key) || messages.has(`${key}.other`);
}

export type Translator = (key: string, params?: Params) => string;

export function translator(locale: Locale): Translator {
  return (key, params) => translate(locale, key, params);
}
