import type { Translator } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import type { Block, Reply } from "../reply.ts";
import type { Runway } from "../usage/runway.ts";
import type { SpendLine, UsageSummary } from "../usage/summarizeUsage.ts";
import { renderUsageChart } from "./usageChart.ts";

/** Lines of one breakdown before the rest is summed up in one "… and N more" line. */
const MAX_LINES = 10;
const MAX_KEY_CHARS = 60;

/** "at the last 7 days' spend ($2.50 a day), about 12 days left", or why there is no estimate. */
export function runwayText(t: Translator, runway: Runway): string {
  switch (runway.kind) {
    case "used_up":
      return t("usage_view.runway.used_up");
    case "no_usage":
      return t("usage_view.runway.no_usage");
    case "days": {
      const daily = formatUsd(runway.dailyAverage);
      if (runway.days === 0n) return t("usage_view.runway.under_day", { daily });
      return t("usage_view.runway.days", { daily, count: runway.days });
    }
  }
}

function keyText(t: Translator, key: string | null): string {
  if (key === null) return t("usage_view.not_reported");
  const chars = [...key];
  return chars.length <= MAX_KEY_CHARS ? key : `${chars.slice(0, MAX_KEY_CHARS - 1).join("")}…`;
}

/** "gpt-4o: $1.25 · 3 requests" */
function line(t: Translator, key: string, cost: bigint, requests: number): string {
  return t(requests === 1 ? "usage_view.line_one" : "usage_view.line", { key, cost: formatUsd(cost), requests });
}

function breakdown(t: Translator, heading: string, lines: readonly SpendLine[]): string {
  const shown = lines.slice(0, MAX_LINES).map((l) => line(t, keyText(t, l.key), l.cost, l.requests));
  const rest = lines.slice(MAX_LINES);
  if (rest.length > 0) shown.push(t("usage_view.more", { count: rest.length, cost: formatUsd(rest.reduce((sum, l) => sum + l.cost, 0n)) }));
  return [heading, ...shown].join("\n");
}

export interface UsageViewInput {
  summary: UsageSummary;
  days: number;
  runway: Runway;
}

/**
 * The `usage` answer: totals, the runway, spend by day, by model, by API token and by token group
 * (the last two only when the gateway reports them), and the chart as a PNG file to attach. With
 * no usage and no top-up in the window there is nothing to draw, and no chart.
 */
export async function usageView(t: Translator, input: UsageViewInput): Promise<Reply> {
  const { summary, days } = input;
  const blocks: Block[] = [{ type: "header", text: days === 1 ? t("usage_view.title_today") : t("usage_view.title", { days }) }];
  blocks.push({
    type: "fields",
    fields: [
      { label: t("usage_view.fields.spent"), value: formatUsd(summary.cost) },
      { label: t("usage_view.fields.requests"), value: String(summary.requests) },
      { label: t("usage_view.fields.daily_average"), value: formatUsd(summary.cost / BigInt(days)) },
      { label: t("usage_view.fields.balance"), value: formatUsd(summary.balance) },
      { label: t("usage_view.fields.runway"), value: runwayText(t, input.runway) },
    ],
  });

  const spentDays = summary.days.filter((d) => d.requests > 0 || d.cost > 0n);
  if (spentDays.length === 0) {
    blocks.push({ type: "text", text: days === 1 ? t("usage_view.none_today") : t("usage_view.none", { days }) });
  } else {
    const dayLines = spentDays.map((d) => line(t, d.day, d.cost, d.requests));
    if (spentDays.length < summary.days.length) dayLines.push(t("usage_view.quiet_days"));
    blocks.push({ type: "text", text: [t("usage_view.by_day"), ...dayLines].join("\n") });
    blocks.push({ type: "text", text: breakdown(t, t("usage_view.by_model"), summary.byModel) });
    if (summary.byToken.length > 0) blocks.push({ type: "text", text: breakdown(t, t("usage_view.by_token"), summary.byToken) });
    if (summary.byTokenGroup.length > 0) blocks.push({ type: "text", text: breakdown(t, t("usage_view.by_token_group"), summary.byTokenGroup) });
  }

  const toppedUp = summary.days.some((d) => d.toppedUp > 0n);
  if (spentDays.length > 0 || toppedUp) {
    const png = await renderUsageChart({
      days: summary.days,
      models: summary.byModel.map((m) => m.key ?? ""),
      labels: {
        title: t("usage_view.chart.title", { days }),
        balance: t("usage_view.chart.balance"),
        topUp: t("usage_view.chart.top_up"),
        other: t("usage_view.chart.other"),
        spendAxis: t("usage_view.chart.spend_axis"),
        balanceAxis: t("usage_view.chart.balance_axis"),
      },
    });
    blocks.push({
      type: "file",
      name: `usage-${summary.days[summary.days.length - 1].day}-${days}d.png`,
      mime: "image/png",
      bytes: png,
      title: t("usage_view.chart.file_title", { days }),
      alt: t("usage_view.chart.alt", { days }),
    });
  }
  blocks.push({ type: "context", text: t("usage_view.footer") });
  return { blocks, private: true, summary: `${t("usage_view.fields.spent")}: ${formatUsd(summary.cost)} · ${t("usage_view.fields.runway")}: ${runwayText(t, input.runway)}` };
}
