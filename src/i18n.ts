import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Every customer-facing string lives in locales/<locale>/*.json (one file per area, nested keys
 * flattened with dots). Parameters are written {name}. A missing key in a locale falls back to
 * English, and a key missing everywhere shows as the key itself (a test keeps that from shipping).
 */
export const LOCALES = ["en", "zh-CN"] as const;
export type Locale = (typeof LOCALES)[number];
export const FALLBACK_LOCALE: Locale = "en";

export const LOCALES_DIR = fileURLToPath(new URL("../locales", import.meta.url));

type Catalog = Map<string, string>;
const catalogs = new Map<Locale, Catalog>();

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

export function translate(locale: Locale, key: string, params: Params = {}): string {
  const template = catalog(locale).get(key) ?? catalog(FALLBACK_LOCALE).get(key) ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function hasKey(locale: Locale, key: string): boolean {
  return catalog(locale).has(key);
}

export type Translator = (key: string, params?: Params) => string;

export function translator(locale: Locale): Translator {
  return (key, params) => translate(locale, key, params);
}
