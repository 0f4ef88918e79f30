import { translator, type Locale, type Translator } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import type { Reply } from "../reply.ts";
import { runwayOf } from "../usage/runway.ts";
import { runwayText } from "./usageView.ts";

export interface LowBalanceFacts {
  balance: bigint;
  threshold: bigint;
  /** Usage cost of the last 24 hours (positive). */
  spent24h: bigint;
  /** Usage cost of the last 7 days, for the runway; drawn without it when unknown. */
  spent7d?: bigint;
}

/** "about 3 days left" at the last day's rate, or why no estimate can be given. */
export function timeLeftText(t: Translator, balance: bigint, spent24h: bigint): string {
  if (balance <= 0n) return t("low_balance.time_left.none");
  if (spent24h <= 0n) return t("low_balance.time_left.no_usage");
  const hours = (balance * 24n) / spent24h;
  if (hours < 1n) return t("low_balance.time_left.under_hour");
  if (hours < 48n) return t("low_balance.time_left.hours", { count: hours });
  const days = (hours + 12n) / 24n;
  return t("low_balance.time_left.days", { count: days });
}

/**
 * The direct message a customer gets when a debit takes their balance below their threshold. A
 * direct message on Discord takes no commands (they run in the server), so it says where to top
 * up instead of offering a button.
 */
export function lowBalanceMessage(locale: Locale, facts: LowBalanceFacts, options: { buttons?: boolean } = {}): Reply {
  const t = translator(locale);
  const balance = formatUsd(facts.balance);
  const threshold = formatUsd(facts.threshold);
  const timeLeft = timeLeftText(t, facts.balance, facts.spent24h);
  return {
    blocks: [
      { type: "header", text: t("low_balance.title") },
      { type: "text", text: t("low_balance.body", { balance, threshold }) },
      {
        type: "fields",
        fields: [
          { label: t("low_balance.balance"), value: balance },
          { label: t("low_balance.threshold"), value: threshold },
          { label: t("low_balance.spent_24h"), value: formatUsd(facts.spent24h) },
          { label: t("low_balance.time_left.label"), value: timeLeft },
          ...(facts.spent7d === undefined ? [] : [{ label: t("usage_view.fields.runway"), value: runwayText(t, runwayOf(facts.balance, facts.spent7d)) }]),
        ],
      },
      options.buttons === false
        ? { type: "text", text: t("low_balance.topup_in_server") }
        : { type: "buttons", buttons: [{ label: t("low_balance.topup"), style: "primary", command: "topup", args: {} }] },
      { type: "context", text: t("low_balance.footer") },
    ],
    private: true,
    summary: t("low_balance.summary", { balance, threshold, timeLeft }),
  };
}
