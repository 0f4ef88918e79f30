import { timeToken } from "../core/markup.ts";
import type { Translator } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import type { Block, ButtonSpec, Reply } from "../reply.ts";
import type { AuditPage, AuditRow } from "../support/readAuditPage.ts";

/** One row is one line; past this it is cut, so a full page stays within Slack's and Discord's limits. */
export const AUDIT_LINE_MAX = 300;
const REASON_MAX = 120;
const VALUE_MAX = 40;
/** Detail keys that hold micro-USD in the rows the code writes itself. */
const MICRO_KEYS = new Set(["amount", "principal", "bonus", "threshold"]);
const FIRST_KEYS = ["adjustment", "amount", "bucket", "principal", "bonus", "stage", "status", "reason", "note"];

/**
 * A page of the audit log, newest first, with buttons to the next (older) page and back to the
 * newest. The buttons name the account or order by its id, whatever the member typed.
 */
export function auditView(page: AuditPage, t: Translator): Reply {
  const ref = page.target.kind === "order" ? page.target.orderNo : page.target.accountId;
  const title = page.target.kind === "order" ? t("support_tools.audit.title_order", { order: ref }) : t("support_tools.audit.title_account", { id: ref });
  const blocks: Block[] = [{ type: "header", text: title }];
  if (page.rows.length === 0) blocks.push({ type: "text", text: t(page.newest ? "support_tools.audit.empty" : "support_tools.audit.no_more") });
  for (const row of page.rows) blocks.push({ type: "text", text: auditLine(row, t) });
  const buttons: ButtonSpec[] = [];
  if (page.nextBefore !== null) buttons.push({ label: t("support_tools.audit.older"), style: "default", command: "audit", args: { target: ref, before: page.nextBefore.toString() } });
  if (!page.newest) buttons.push({ label: t("support_tools.audit.newest"), style: "default", command: "audit", args: { target: ref, nav: "newest" } });
  if (buttons.length) blocks.push({ type: "buttons", buttons });
  return { blocks, private: true, summary: title };
}

export function auditLine(row: AuditRow, t: Translator): string {
  const who = row.actorId ? `${row.actorId}${row.platform ? ` (${row.platform})` : ""}` : row.actorType;
  const parts = [`#${row.id}`, timeToken(row.createdAt), who, row.action, row.outcome];
  const detail = detailText(row, t);
  if (detail) parts.push(detail);
  return clip(parts.join(" · "), AUDIT_LINE_MAX);
}

/**
 * The detail in a stable order, amounts as dollars. A refusal by dispatch records the arguments
 * as typed, so those are shown as typed.
 */
function detailText(row: AuditRow, t: Translator): string {
  if (!row.detail) return "";
  const typed = row.outcome === "refused:not_support";
  const keys = Object.keys(row.detail).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const parts: string[] = [];
  for (const key of keys) {
    const value = row.detail[key];
    if (value === null || value === undefined || value === "") continue;
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const name = labelOf(key, t);
    const word = typed || typeof value !== "string" ? null : wordFor(row, key, value, t);
    if (word !== null) parts.push(`${name} ${word}`);
    else if (key === "reason" || key === "note") parts.push(`“${clip(text, REASON_MAX)}”`);
    else if (!typed && MICRO_KEYS.has(key) && /^-?\d+$/.test(text)) parts.push(`${name} ${formatUsd(BigInt(text))}`);
    else parts.push(`${name} ${clip(text, VALUE_MAX)}`);
  }
  return parts.join(", ");
}

/**
 * A code the domain recorded ("bonus", "pending", "wrong_network") in the reader's words, so support
 * reads no raw codes; null when the key holds free text or a code with no words.
 */
function wordFor(row: AuditRow, key: string, value: string, t: Translator): string | null {
  const candidates =
    key === "bucket"
      ? [`balance.${value}`]
      : key === "status"
        ? [`support_tools.status.${value}`, `topups.status.${value}`]
        : key === "reason" && row.action === "topup.reject"
          ? [`topups.reject_reason.${value}`]
          : [];
  for (const candidate of candidates) {
    const word = t(candidate);
    if (word !== candidate) return word;
  }
  return null;
}

/** A detail key by its field name in the reader's language ("bucket" → "余额分类"), or as recorded. */
function labelOf(key: string, t: Translator): string {
  const label = t(`fields.${key}`);
  return label === `fields.${key}` ? key : label;
}

function rank(key: string): number {
  const i = FIRST_KEYS.indexOf(key);
  return i === -1 ? FIRST_KEYS.length : i;
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
