import { timeToken } from "../core/markup.ts";
import type { Translator } from "../i18n.ts";
import { formatDecimal } from "../ledger/money.ts";
import type { Block } from "../reply.ts";
import { hexToTron } from "../chain/tron.ts";
import type { TransferVerdict } from "../chain/verdict.ts";

/**
 * The chain lines of a verdict: one line per check, ✓ or ✗ with its value, the reason when the
 * RPC could not answer, the transfers that belong to another order, how the payment is bound to
 * its order, what automatic confirmation made of it, and the explorer link. A customer's view
 * names no other customer's order.
 */
export function verdictBlocks(v: TransferVerdict | null, t: Translator, options: { explorerLink?: boolean; audience?: "support" | "customer" } = {}): Block[] {
  if (!v) return [];
  const address = (hex: string) => (v.family === "tron" ? safeTron(hex) : hex);
  const usdt = (micros: string) => formatDecimal(BigInt(micros));
  const mark = (ok: boolean | null) => (ok ? "✓" : "✗");
  const unknown = t("chain.value.unknown");
  const line = (ok: boolean | null, check: string, value: string) => `${mark(ok)} ${t(`chain.check.${check}`)}: ${value}`;

  const blocks: Block[] = [];
  if (v.error) {
    blocks.push({
      type: "text",
      text: `✗ ${t(`chain.error.${v.error.kind}`, {
        message: v.error.message,
        expected: v.error.expectedChainId ?? "?",
        actual: v.error.actualChainId ?? "?",
      })}`,
    });
  }

  const lines: string[] = [];
  if (!v.error) {
    lines.push(
      line(
        v.receiptFound,
        "receipt",
        v.receiptFound ? t("chain.value.in_block", { block: v.blockNumber ?? "?", hash: shortHex(v.blockHash ?? "") }) : t("chain.value.not_found"),
      ),
    );
  }
  if (v.receiptFound) {
    lines.push(line(v.succeeded, "status", t(v.succeeded ? "chain.value.succeeded" : "chain.value.reverted")));
    const others = [...new Set(v.otherTransfers.filter((o) => o.token !== v.tokenContract).map((o) => shortHex(address(o.token))))];
    lines.push(
      line(
        v.tokenMatched,
        "token",
        v.tokenMatched
          ? address(v.tokenContract)
          : others.length
            ? t("chain.value.other_token", { tokens: others.join(", ") })
            : t("chain.value.no_transfer"),
      ),
    );
    const elsewhere = [...new Set(v.otherTransfers.filter((o) => o.token === v.tokenContract).map((o) => shortHex(address(o.to))))];
    lines.push(
      line(
        v.recipientMatched,
        "recipient",
        v.recipientMatched
          ? address(v.depositAddress)
          : elsewhere.length
            ? t("chain.value.paid_elsewhere", { to: elsewhere.join(", ") })
            : unknown,
      ),
    );
    const amountText = v.amountVerdict
      ? t(`chain.amount.${v.amountVerdict}`, { amount: usdt(v.amountMicros), requested: usdt(v.requestedAmount), minimum: usdt(v.minimum) })
      : t("chain.amount.none");
    const raw = v.decimals !== 6 && v.amountRaw !== "0" ? ` (${t("chain.value.raw", { raw: v.amountRaw, decimals: v.decimals })})` : "";
    lines.push(line(v.amountVerdict === "exact", "amount", amountText + raw));
    lines.push(
      line(
        v.confirmationsOk,
        "confirmations",
        t("chain.value.confirmations", { have: v.confirmations ?? "?", need: v.requiredConfirmations }),
      ),
    );
    lines.push(
      line(
        v.blockTimeOk,
        "block_time",
        v.blockTime ? t("chain.value.block_time", { time: timeToken(new Date(v.blockTime)), since: timeToken(new Date(v.notBefore)) }) : unknown,
      ),
    );
  }
  // A customer is not told another customer's order number.
  for (const conflict of v.conflicts ?? []) {
    lines.push(`✗ ${options.audience === "customer" ? t("chain.conflict.other_order") : t(`chain.conflict.${conflict.kind}`, { order: conflict.orderNo })}`);
  }
  if (lines.length) blocks.push({ type: "text", text: lines.join("\n") });
  if (v.source === "detected") blocks.push({ type: "context", text: t("chain.detected") });
  if (v.attribution) blocks.push({ type: "context", text: t(`chain.attribution.${v.attribution}`) });

  if (v.auto) {
    blocks.push({ type: "context", text: t(`chain.auto.${v.auto.outcome}`, { cap: v.auto.cap ? usdt(v.auto.cap) : "?" }) });
  }
  blocks.push({ type: "context", text: t("chain.checked_at", { time: timeToken(new Date(v.checkedAt)) }) });
  if (options.explorerLink !== false && v.explorerUrl) blocks.push({ type: "link", label: t("chain.explorer"), url: v.explorerUrl });
  return blocks;
}

function shortHex(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex;
}

function safeTron(hex: string): string {
  try {
    return hexToTron(hex);
  } catch {
    return hex;
  }
}
