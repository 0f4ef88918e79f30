import { createRequire } from "node:module";
import path from "node:path";
import { renderAsync } from "@resvg/resvg-js";
import { formatUsd } from "../ledger/money.ts";

/**
 * The usage chart, drawn on the server without a browser: an SVG written here (daily spend by
 * model as stacked bars, top-ups as markers, the end-of-day balance as a line on its own axis),
 * rasterized to PNG by resvg off the event loop (renderAsync runs on libuv's thread pool). The
 * fonts ship as npm packages, so a machine without any system font draws the same picture: DejaVu
 * Sans for Latin text, and Noto Sans Hans only when a label needs it (the file is 8 MB: read it
 * only for the charts that use it).
 *
 * Amounts stay bigint until they become pixels: the scale's ticks are chosen in micro-USD and
 * labelled with formatUsd; only positions on the canvas are floating point.
 */

export const CHART_WIDTH = 960;
export const CHART_HEIGHT = 540;
/** Models drawn with a colour of their own; the rest are summed as "other". */
export const CHART_MODELS = 5;

export interface ChartDay {
  /** YYYY-MM-DD */
  day: string;
  byModel: ReadonlyMap<string, bigint>;
  balanceAtEnd: bigint;
  toppedUp: bigint;
}

export interface ChartLabels {
  title: string;
  balance: string;
  topUp: string;
  other: string;
  spendAxis: string;
  balanceAxis: string;
}

export interface UsageChartInput {
  days: readonly ChartDay[];
  /** Most spent first: the first CHART_MODELS get a colour of their own. */
  models: readonly string[];
  labels: ChartLabels;
}

const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#9c9c9c"];
const BALANCE_COLOR = "#1d3b2a";
const TOP_UP_COLOR = "#1a9850";
const FONT = "DejaVu Sans, Noto Sans Hans";
const PLOT = { left: 86, right: CHART_WIDTH - 96, top: 84, bottom: CHART_HEIGHT - 104 };

const require = createRequire(import.meta.url);
const LATIN_FONT = path.join(path.dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf", "DejaVuSans.ttf");
// Its exports name only the entry point (dist/index.cjs); the fonts sit beside dist/.
const CJK_FONT = path.join(path.dirname(require.resolve("@embedpdf/fonts-sc")), "..", "fonts", "NotoSansHans-Regular.otf");
/** Characters DejaVu Sans has no glyph for, that Noto Sans Hans has: CJK, kana, fullwidth forms. */
const NEEDS_CJK = /[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]/;

/** The PNG of the chart, CHART_WIDTH × CHART_HEIGHT. */
export async function renderUsageChart(input: UsageChartInput): Promise<Uint8Array> {
  const svg = usageChartSvg(input);
  const fontFiles = NEEDS_CJK.test(svg) ? [LATIN_FONT, CJK_FONT] : [LATIN_FONT];
  const image = await renderAsync(svg, {
    font: { loadSystemFonts: false, fontFiles, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
    fitTo: { mode: "original" },
    background: "#ffffff",
    logLevel: "off",
  });
  return new Uint8Array(image.asPng());
}

/** A tick step of 1, 2 or 5 × 10^k micro-USD, so that about `count` steps cover `span`. */
export function niceStep(span: bigint, count = 5n): bigint {
  const rough = span <= 0n ? 1n : (span + count - 1n) / count;
  let magnitude = 1n;
  while (magnitude * 10n <= rough) magnitude *= 10n;
  for (const factor of [1n, 2n, 5n, 10n]) if (magnitude * factor >= rough) return magnitude * factor;
  return magnitude * 10n;
}

/** Ticks from a multiple of the step at or below `min` to one at or above `max`. */
export function ticks(min: bigint, max: bigint): bigint[] {
  const step = niceStep(max - min);
  const floorTo = (v: bigint) => (v >= 0n ? (v / step) * step : -(((-v + step - 1n) / step) * step));
  const start = floorTo(min);
  const out: bigint[] = [];
  for (let v = start; ; v += step) {
    out.push(v);
    if (v >= max) break;
  }
  if (out.length < 2) out.push(start + step);
  return out;
}

/** Short axis labels: whole dollars once the step allows it ($1,200 rather than $1,200.00). */
function axisLabel(value: bigint, step: bigint): string {
  if (step % 1_000_000n === 0n) return formatUsd(value).replace(/\.00$/, "");
  return formatUsd(value);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

const px = (n: number) => n.toFixed(1);

/** The chart as SVG. Exported for tests and for anyone who wants the picture without the PNG. */
export function usageChartSvg(input: UsageChartInput): string {
  const { days, labels } = input;
  const named = input.models.slice(0, CHART_MODELS);
  const hasOther = input.models.length > CHART_MODELS;
  const series = hasOther ? [...named, labels.other] : [...named];
  const stacks = days.map((d) => {
    const parts = named.map((m) => d.byModel.get(m) ?? 0n);
    if (hasOther) {
      let rest = 0n;
      for (const [model, cost] of d.byModel) if (!named.includes(model)) rest += cost;
      parts.push(rest);
    }
    return parts;
  });
  const dayTotals = stacks.map((parts) => parts.reduce((a, b) => a + b, 0n));
  const maxSpend = dayTotals.reduce((a, b) => (b > a ? b : a), 0n);
  const spendTicks = ticks(0n, maxSpend > 0n ? maxSpend : 1_000_000n);
  const spendTop = spendTicks[spendTicks.length - 1];
  const spendStep = spendTicks[1] - spendTicks[0];

  const balances = days.map((d) => d.balanceAtEnd);
  const lowBalance = balances.reduce((a, b) => (b < a ? b : a), 0n);
  const highBalance = balances.reduce((a, b) => (b > a ? b : a), 0n);
  const balanceTicks = ticks(lowBalance, highBalance > lowBalance ? highBalance : lowBalance + 1_000_000n);
  const balanceBottom = balanceTicks[0];
  const balanceTop = balanceTicks[balanceTicks.length - 1];
  const balanceStep = balanceTicks[1] - balanceTicks[0];

  const width = PLOT.right - PLOT.left;
  const height = PLOT.bottom - PLOT.top;
  const slot = width / Math.max(1, days.length);
  const barWidth = Math.max(2, slot * 0.7);
  const xCenter = (i: number) => PLOT.left + slot * (i + 0.5);
  // Ratios of bigints, as pixels: exact up to 2^53 micro-USD ($9 billion), far past any chart.
  const ySpend = (v: bigint) => PLOT.bottom - (Number(v) / Number(spendTop)) * height;
  const yBalance = (v: bigint) => PLOT.bottom - (Number(v - balanceBottom) / Number(balanceTop - balanceBottom)) * height;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" font-family="${FONT}">`);
  out.push(`<rect width="${CHART_WIDTH}" height="${CHART_HEIGHT}" fill="#ffffff"/>`);
  out.push(`<text x="${PLOT.left}" y="32" font-size="19" font-weight="bold" fill="#222">${escapeXml(clip(labels.title, 80))}</text>`);

  // Grid and the spend axis (left), the balance axis (right).
  for (const tick of spendTicks) {
    const y = px(ySpend(tick));
    out.push(`<line x1="${PLOT.left}" y1="${y}" x2="${PLOT.right}" y2="${y}" stroke="#e6e6e6" stroke-width="1"/>`);
    out.push(`<text x="${PLOT.left - 8}" y="${y}" dy="4" font-size="12" text-anchor="end" fill="#555">${escapeXml(axisLabel(tick, spendStep))}</text>`);
  }
  for (const tick of balanceTicks) {
    out.push(`<text x="${PLOT.right + 8}" y="${px(yBalance(tick))}" dy="4" font-size="12" fill="${BALANCE_COLOR}">${escapeXml(axisLabel(tick, balanceStep))}</text>`);
  }
  out.push(`<text transform="translate(18 ${px(PLOT.top + height / 2)}) rotate(-90)" font-size="12" text-anchor="middle" fill="#555">${escapeXml(clip(labels.spendAxis, 40))}</text>`);
  out.push(`<text transform="translate(${CHART_WIDTH - 14} ${px(PLOT.top + height / 2)}) rotate(90)" font-size="12" text-anchor="middle" fill="${BALANCE_COLOR}">${escapeXml(clip(labels.balanceAxis, 40))}</text>`);

  // Stacked bars: the first model at the bottom.
  stacks.forEach((parts, i) => {
    let base = 0n;
    parts.forEach((cost, s) => {
      if (cost <= 0n) return;
      const y0 = ySpend(base);
      base += cost;
      const y1 = ySpend(base);
      out.push(`<rect x="${px(xCenter(i) - barWidth / 2)}" y="${px(y1)}" width="${px(barWidth)}" height="${px(Math.max(0.5, y0 - y1))}" fill="${PALETTE[s]}"/>`);
    });
  });
  out.push(`<line x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}" stroke="#888" stroke-width="1"/>`);

  // Day labels: as many as fit without overlapping.
  const every = Math.max(1, Math.ceil(days.length / 15));
  days.forEach((d, i) => {
    if ((days.length - 1 - i) % every !== 0) return;
    out.push(`<text x="${px(xCenter(i))}" y="${PLOT.bottom + 18}" font-size="11" text-anchor="middle" fill="#555">${d.day.slice(5)}</text>`);
  });

  // The balance at the end of each day, and the top-ups on it.
  if (days.length > 0) {
    const points = days.map((d, i) => `${px(xCenter(i))},${px(yBalance(d.balanceAtEnd))}`).join(" ");
    out.push(`<polyline points="${points}" fill="none" stroke="${BALANCE_COLOR}" stroke-width="2.5" stroke-linejoin="round"/>`);
  }
  days.forEach((d, i) => {
    if (d.toppedUp <= 0n) return;
    const x = xCenter(i);
    const y = yBalance(d.balanceAtEnd);
    out.push(`<path d="M ${px(x)} ${px(y - 16)} l 7 12 l -14 0 z" fill="${TOP_UP_COLOR}" stroke="#ffffff" stroke-width="1"/>`);
    out.push(`<text x="${px(x)}" y="${px(y - 20)}" font-size="11" text-anchor="middle" fill="${TOP_UP_COLOR}">+${escapeXml(formatUsd(d.toppedUp))}</text>`);
  });

  // Legend: models, then the balance line and the top-up marker.
  const legend: string[] = [];
  let x = PLOT.left;
  let y = PLOT.bottom + 46;
  const place = (itemWidth: number) => {
    if (x + itemWidth > CHART_WIDTH - 20) {
      x = PLOT.left;
      y += 22;
    }
    const at = { x, y };
    x += itemWidth;
    return at;
  };
  const textWidth = (text: string) => [...text].reduce((w, c) => w + (NEEDS_CJK.test(c) ? 13 : 7.2), 0);
  series.forEach((name, s) => {
    const label = clip(name, 28);
    const at = place(28 + textWidth(label) + 18);
    legend.push(`<rect x="${px(at.x)}" y="${px(at.y - 10)}" width="14" height="14" fill="${PALETTE[s]}"/>`);
    legend.push(`<text x="${px(at.x + 20)}" y="${px(at.y + 1)}" font-size="12" fill="#333">${escapeXml(label)}</text>`);
  });
  {
    const at = place(36 + textWidth(labels.balance) + 18);
    legend.push(`<line x1="${px(at.x)}" y1="${px(at.y - 3)}" x2="${px(at.x + 24)}" y2="${px(at.y - 3)}" stroke="${BALANCE_COLOR}" stroke-width="2.5"/>`);
    legend.push(`<text x="${px(at.x + 30)}" y="${px(at.y + 1)}" font-size="12" fill="#333">${escapeXml(clip(labels.balance, 28))}</text>`);
  }
  {
    const at = place(28 + textWidth(labels.topUp) + 18);
    legend.push(`<path d="M ${px(at.x + 7)} ${px(at.y - 11)} l 7 12 l -14 0 z" fill="${TOP_UP_COLOR}"/>`);
    legend.push(`<text x="${px(at.x + 20)}" y="${px(at.y + 1)}" font-size="12" fill="#333">${escapeXml(clip(labels.topUp, 28))}</text>`);
  }
  out.push(...legend);
  out.push("</svg>");
  return out.join("\n");
}
