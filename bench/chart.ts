/**
 * `npm run bench:chart [-- --rounds 50 --days 30 --models 5]`: how long the usage chart takes to
 * draw on the server (SVG written in TypeScript, rasterized to PNG by resvg off the event loop),
 * for `days` days × `models` models, with English labels and with Chinese ones (which load the
 * CJK font). No database: the chart's input is made up here. Prints p50, p95 and max per language,
 * the CPU one chart costs (all threads: less sensitive to a busy machine than the wall clock), the
 * PNG's size, and how long the event loop was blocked at most meanwhile.
 */
import { parseArgs } from "node:util";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { renderUsageChart, usageChartSvg, type ChartDay, type ChartLabels } from "../src/views/usageChart.ts";
import { translator } from "../src/i18n.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "50" }, days: { type: "string", default: "30" }, models: { type: "string", default: "5" } } });
const rounds = Number(values.rounds);
const dayCount = Number(values.days);
const modelCount = Number(values.models);

const models = Array.from({ length: modelCount }, (_, k) => ["gpt-4o", "claude-3.5-sonnet", "gpt-4o-mini", "deepseek-v3", "qwen-max", "llama-3.1-405b", "mistral-large"][k] ?? `model-${k}`);
let balance = 500_000_000n;
const days: ChartDay[] = Array.from({ length: dayCount }, (_, i) => {
  const byModel = new Map(models.map((m, k) => [m, BigInt(((i + 3) * 7919 * (k + 1)) % 4_000_000) + 10_000n]));
  const toppedUp = i % 9 === 4 ? 100_000_000n : 0n;
  balance += toppedUp - [...byModel.values()].reduce((a, b) => a + b, 0n);
  return { day: new Date(Date.UTC(2026, 9, 1 + i)).toISOString().slice(0, 10), byModel, balanceAtEnd: balance, toppedUp };
});

function labels(locale: "en" | "zh-CN"): ChartLabels {
  const t = translator(locale);
  return {
    title: t("usage_view.chart.title", { days: dayCount }),
    balance: t("usage_view.chart.balance"),
    topUp: t("usage_view.chart.top_up"),
    other: t("usage_view.chart.other"),
    spendAxis: t("usage_view.chart.spend_axis"),
    balanceAxis: t("usage_view.chart.balance_axis"),
  };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (n: number) => `${n.toFixed(1)} ms`;

for (const locale of ["en", "zh-CN"] as const) {
  const input = { days, models, labels: labels(locale) };
  await renderUsageChart(input); // warm-up: loads the native module and the fonts once
  const svgTimes: number[] = [];
  const times: number[] = [];
  let bytes = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    let started = performance.now();
    usageChartSvg(input);
    svgTimes.push(performance.now() - started);
    started = performance.now();
    const png = await renderUsageChart(input);
    times.push(performance.now() - started);
    bytes = png.length;
  }
  loop.disable();
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  svgTimes.sort((a, b) => a - b);
  console.log(
    `${locale}: ${dayCount} days × ${modelCount} models, ${rounds} rounds: PNG p50 ${ms(pct(times, 50))}, p95 ${ms(pct(times, 95))}, max ${ms(times[times.length - 1])}` +
      ` (of which the SVG p50 ${ms(pct(svgTimes, 50))}); CPU ${ms((used.user + used.system) / 1000 / rounds)} a chart (all threads); ${Math.round(bytes / 1024)} KiB; event loop blocked at most ${ms(loop.max / 1e6)}`,
  );
}
