import type { Translator } from "../i18n.ts";
import type { Block } from "../reply.ts";

/**
 * Shows a stored chain verdict on the support card: one line per check, ✓ or ✗ with its value.
 * The verdict's own shape is defined in src/chain; this reads only its list of checks.
 */
export function renderVerdict(verdict: Record<string, unknown>, t: Translator): Block[] {
  const checks = Array.isArray(verdict.checks) ? (verdict.checks as { name: string; ok: boolean; value?: string }[]) : [];
  const lines = checks.map((c) => `${c.ok ? "✓" : "✗"} ${t(`chain.check.${c.name}`)}${c.value ? `: ${c.value}` : ""}`);
  if (typeof verdict.error === "string") lines.push(`✗ ${t("topups.card.rpc_error", { error: verdict.error })}`);
  return lines.length ? [{ type: "text", text: lines.join("\n") }] : [];
}
