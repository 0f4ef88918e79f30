import { describe, expect, it } from "vitest";
import { CHART_HEIGHT, CHART_WIDTH, niceStep, renderUsageChart, ticks, usageChartSvg, type ChartDay, type UsageChartInput } from "../../src/views/usageChart.ts";
import { pngSize } from "./png.ts";

const USD = 1_000_000n;
const MODELS = ["gpt-4o", "claude-3.5-sonnet", "gpt-4o-mini", "deepseek-v3", "qwen-max"];

function month(models = MODELS, days = 30): ChartDay[] {
  let balance = 80n * USD;
  return Array.from({ length: days }, (_, i) => {
    const byModel = new Map(models.map((m, k) => [m, BigInt((i * 37 + k * 101) % 900) * 1_000n + 1n]));
    const toppedUp = i % 10 === 3 ? 50n * USD : 0n;
    balance = balance - [...byModel.values()].reduce((a, b) => a + b, 0n) + toppedUp;
    return { day: new Date(Date.UTC(2026, 10, 1 + i)).toISOString().slice(0, 10), byModel, balanceAtEnd: balance, toppedUp };
  });
}

const LABELS = { title: "Daily spend by model, last 30 days (UTC)", balance: "Balance (end of day)", topUp: "Top-up", other: "Other models", spendAxis: "Spend per day", balanceAxis: "Balance" };

describe("the usage chart", () => {
  it("is a PNG of the documented size, drawn without a browser", async () => {
    const png = await renderUsageChart({ days: month(), models: MODELS, labels: LABELS });
    expect(pngSize(png)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(png.length).toBeGreaterThan(10_000);
  });

  it("draws Chinese labels and model names with the bundled CJK font", async () => {
    const labels = { title: "最近 30 天每日各模型消费（UTC）", balance: "余额（日终）", topUp: "充值", other: "其他模型", spendAxis: "每日消费", balanceAxis: "余额" };
    const latin = await renderUsageChart({ days: month(["通义千问"]), models: ["通义千问"], labels: { ...LABELS, title: "x" } });
    const chinese = await renderUsageChart({ days: month(["通义千问"]), models: ["通义千问"], labels });
    expect(pngSize(chinese)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    // Glyphs were drawn: the picture differs from one whose title is a single letter.
    expect(Buffer.from(chinese).equals(Buffer.from(latin))).toBe(false);
  });

  it("stacks one bar a day in one colour per model, sums the rest as other, and marks each top-up on the balance line", () => {
    const models = [...MODELS, "llama-3", "mistral"];
    const days = month(models);
    const svg = usageChartSvg({ days, models, labels: LABELS });
    for (const model of MODELS) expect(svg).toContain(`>${model}</text>`);
    expect(svg).not.toContain(">llama-3<");
    expect(svg).toContain(">Other models</text>");
    const topUps = days.filter((d) => d.toppedUp > 0n).length;
    expect(svg.match(/>\+\$50\.00</g)?.length).toBe(topUps);
    expect(svg.match(/<polyline /g)?.length).toBe(1);
    // 30 days × 6 series (every part non-zero), and the legend's 6 swatches.
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="#/g)?.length).toBe(30 * 6 + 6);
  });

  it("escapes what it does not write itself", () => {
    const input: UsageChartInput = { days: month(["<script>&"]), models: ["<script>&"], labels: { ...LABELS, title: 'a "title" <b>' } };
    const svg = usageChartSvg(input);
    expect(svg).toContain("&lt;script&gt;&amp;");
    expect(svg).toContain("a &quot;title&quot; &lt;b&gt;");
    expect(svg).not.toContain("<script>");
  });

  it("chooses ticks of 1, 2 or 5 × 10^k micro-USD covering the range, below zero too", () => {
    expect(niceStep(10n * USD)).toBe(2n * USD);
    expect(niceStep(7n)).toBe(2n);
    expect(niceStep(0n)).toBe(1n);
    expect(ticks(0n, 9_300_000n)).toEqual([0n, 2n * USD, 4n * USD, 6n * USD, 8n * USD, 10n * USD]);
    expect(ticks(-3n * USD, 4n * USD)).toEqual([-4n * USD, -2n * USD, 0n, 2n * USD, 4n * USD]);
  });
});
