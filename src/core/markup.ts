/**
 * The inline markup of reply text, the same for every surface: views and locale strings write it,
 * and each renderer draws it natively (Slack mrkdwn and `<!date^…>`, Discord markdown and
 * `<t:…>`, plain terminal text). Nothing else in a text is markup.
 *
 *   **bold**            emphasis (an order number, a heading inside a message)
 *   `code`              a value to read exactly (a command to type, a hash)
 *   ⟦time:<unix>:<style>⟧  a moment, drawn in the reader's own time zone where the surface can;
 *                       style "datetime" (16:23, 29 Nov 2026), "date" or "relative" ("in 57 min")
 *
 * The time token's brackets are U+27E6 and U+27E7, which nobody types in a message; timeToken
 * writes them, so views never spell the token out by hand.
 */

import { translate, type Locale, type Params } from "../i18n.ts";

export type TimeStyle = "datetime" | "date" | "relative";

export type Segment =
  | { kind: "text"; text: string }
  | { kind: "bold"; text: string }
  | { kind: "code"; text: string }
  | { kind: "time"; at: Date; style: TimeStyle };

const TIME = /⟦time:(-?\d{1,12}):(datetime|date|relative)⟧/;
const INLINE = /⟦time:(-?\d{1,12}):(datetime|date|relative)⟧|\*\*([^*\n](?:[^*\n]|\*(?!\*))*?)\*\*|`([^`\n]+)`/g;

/** A moment in reply text; each surface draws it (local time on Slack and Discord, UTC in the console). */
export function timeToken(at: Date, style: TimeStyle = "datetime"): string {
  return `⟦time:${Math.floor(at.getTime() / 1000)}:${style}⟧`;
}

export function bold(text: string): string {
  return `**${text}**`;
}

export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** Splits text into its plain runs and its marked-up runs, in order. */
export function parseInline(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ kind: "text", text: text.slice(last, at) });
    if (m[1] !== undefined) out.push({ kind: "time", at: new Date(Number(m[1]) * 1000), style: m[2] as TimeStyle });
    else if (m[3] !== undefined) out.push({ kind: "bold", text: m[3] });
    else out.push({ kind: "code", text: m[4] });
    last = at + m[0].length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

/** True when the text holds a time token (a renderer that cannot draw one may want to know). */
export function hasTimeToken(text: string): boolean {
  return TIME.test(text);
}

/** UTC, unambiguous: "2026-11-29 16:23 UTC" (the console, logs, CSV and anything outside chat). */
export function utcText(at: Date, style: Exclude<TimeStyle, "relative"> = "datetime"): string {
  const iso = at.toISOString();
  return style === "date" ? `${iso.slice(0, 10)} UTC` : `${iso.slice(0, 16).replace("T", " ")} UTC`;
}

/** "in 57 min", "3 h ago": a relative time in English-neutral digits, for surfaces without their own. */
export function relativeText(at: Date, now: Date, units: { future: (n: number, unit: "min" | "h" | "d") => string; past: (n: number, unit: "min" | "h" | "d") => string }): string {
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  const [n, unit]: [number, "min" | "h" | "d"] = abs < 3600 ? [Math.max(1, Math.round(abs / 60)), "min"] : abs < 86_400 ? [Math.round(abs / 3600), "h"] : [Math.round(abs / 86_400), "d"];
  return seconds >= 0 ? units.future(n, unit) : units.past(n, unit);
}

/**
 * The text without markup: bold and code kept as their words, times in UTC (a relative time as its
 * UTC moment). For the console's plain output, notification fallbacks, logs and audit details.
 */
export function plainText(text: string): string {
  return parseInline(text)
    .map((s) => (s.kind === "time" ? utcText(s.at, s.style === "date" ? "date" : "datetime") : s.text))
    .join("");
}

/**
 * A message without inline markup, times in UTC: for what leaves chat (the HTTP API's error
 * messages, the CLI, logs), where `**`, backticks and time tokens would show as they are.
 */
export function translatePlain(locale: Locale, key: string, params: Params = {}): string {
  return plainText(translate(locale, key, params));
}
