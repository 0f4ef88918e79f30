import type { CodeBatch } from "../codes/batch.ts";
import type { CreatedCodeBatch } from "../codes/createCodeBatch.ts";
import type { CodeBatchUsage } from "../codes/listCodeBatches.ts";
import type { RedeemedCode } from "../codes/redeemCode.ts";
import { formatTime } from "../core/format.ts";
import { timeToken } from "../core/markup.ts";
import type { Translator } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import type { Block, Reply } from "../reply.ts";
import { codesCsv, codesCsvName } from "./codesCsv.ts";

/** Up to this many, the codes are also written in the answer itself; more are only in the file. */
export const CODES_SHOWN_INLINE = 25;

export function eligibilityText(batch: CodeBatch, t: Translator): string {
  if (batch.eligibility === "new") return t("codes.eligibility.new", { days: batch.newAccountDays ?? 0 });
  if (batch.eligibility === "listed") return t("codes.eligibility.listed", { count: batch.accountIds.length });
  return t("codes.eligibility.any");
}

export function batchStatusText(batch: CodeBatch, t: Translator, now: Date): string {
  if (batch.status === "disabled") return t("codes.status.disabled", { by: batch.disabledBy ?? "?", time: batch.disabledAt ? formatTime(batch.disabledAt) : "?" });
  return batch.expiresAt.getTime() <= now.getTime() ? t("codes.status.expired") : t("codes.status.active");
}

function batchFields(batch: CodeBatch, t: Translator): { label: string; value: string }[] {
  const fields = [
    { label: t("codes.field.amount"), value: formatUsd(batch.amount) },
    { label: t("codes.field.count"), value: String(batch.codeCount) },
    { label: t("codes.field.uses"), value: String(batch.usesPerCode) },
    { label: t("codes.field.expires"), value: timeToken(batch.expiresAt) },
    { label: t("codes.field.eligible"), value: eligibilityText(batch, t) },
  ];
  if (batch.note) fields.push({ label: t("codes.field.note"), value: batch.note });
  return fields;
}

/**
 * The answer to `codes create`: the batch, and its codes, shown this once: in a CSV file attached
 * the way the surface attaches files, and written out too when there are few.
 */
export function codesCreatedReply({ batch, codes }: CreatedCodeBatch, t: Translator): Reply {
  const title = t("codes.created.title", { batch: batch.batchNo, count: codes.length, amount: formatUsd(batch.amount) });
  const file = codesCsvName(batch);
  const blocks: Block[] = [
    { type: "header", text: title },
    { type: "fields", fields: batchFields(batch, t) },
    { type: "text", text: t("codes.created.shown_once") },
  ];
  if (codes.length <= CODES_SHOWN_INLINE) blocks.push({ type: "text", text: `${t("codes.created.codes")}:\n${codes.join("\n")}` });
  else blocks.push({ type: "text", text: t("codes.created.in_file", { count: codes.length, file }) });
  blocks.push({
    type: "file",
    name: file,
    mime: "text/csv",
    bytes: new TextEncoder().encode(codesCsv(batch, codes)),
    title: t("codes.file.title", { batch: batch.batchNo }),
    alt: t("codes.file.alt", { batch: batch.batchNo, count: codes.length }),
  });
  blocks.push({ type: "context", text: t("codes.created.if_lost", { batch: batch.batchNo }) });
  // The summary goes with the file into a Slack direct message: it names the batch, never a code.
  return { blocks, private: true, summary: title };
}

function redeemedOf(usage: CodeBatchUsage, t: Translator): string {
  return t("codes.redeemed_of", { redeemed: usage.redemptions, capacity: usage.capacity });
}

export function codesListReply(batches: CodeBatchUsage[], t: Translator, now: Date): Reply {
  if (batches.length === 0) return { blocks: [{ type: "text", text: t("codes.list.empty") }], private: true, summary: t("codes.list.empty") };
  const lines = batches.map((u) =>
    `• ${t("codes.list.line", {
      batch: u.batch.batchNo,
      amount: formatUsd(u.batch.amount),
      count: u.batch.codeCount,
      status: batchStatusText(u.batch, t, now),
      expires: timeToken(u.batch.expiresAt),
      redeemed: redeemedOf(u, t),
    })}`,
  );
  return { blocks: [{ type: "header", text: t("codes.list.title") }, { type: "text", text: lines.join("\n") }], private: true, summary: t("codes.list.title") };
}

export function codeBatchReply(usage: CodeBatchUsage, t: Translator, now: Date): Reply {
  const { batch } = usage;
  const title = t("codes.created.title", { batch: batch.batchNo, count: batch.codeCount, amount: formatUsd(batch.amount) });
  const fields = [
    ...batchFields(batch, t),
    { label: t("codes.field.status"), value: batchStatusText(batch, t, now) },
    { label: t("codes.field.redeemed"), value: redeemedOf(usage, t) },
    { label: t("codes.field.codes_used"), value: `${usage.codesUsed} / ${batch.codeCount}` },
    { label: t("codes.field.accounts"), value: String(usage.accounts) },
    { label: t("codes.field.credited"), value: formatUsd(usage.credited) },
    { label: t("codes.field.created"), value: t("codes.created_by", { by: batch.createdBy, time: timeToken(batch.createdAt) }) },
  ];
  const blocks: Block[] = [{ type: "header", text: title }, { type: "fields", fields }];
  if (batch.status === "active") {
    const confirm = {
      title: t("codes.confirm_disable.title", { batch: batch.batchNo }),
      text: t("codes.confirm_disable.text"),
      confirm: t("codes.confirm_disable.confirm"),
      deny: t("codes.confirm_disable.deny"),
    };
    blocks.push({ type: "buttons", buttons: [{ label: t("codes.actions.disable"), style: "danger", command: "codes", args: { action: "disable", batch: batch.batchNo }, confirm }] });
  }
  return { blocks, private: true, summary: title };
}

export function codesDisabledReply(usage: CodeBatchUsage, t: Translator): Reply {
  const text = t("codes.disabled", { batch: usage.batch.batchNo, redeemed: usage.redemptions });
  return { blocks: [{ type: "text", text: `⛔ ${text}` }], private: true, summary: text };
}

export function codeRedeemedReply(redeemed: RedeemedCode, t: Translator): Reply {
  const text = t("codes.redeemed", { amount: formatUsd(redeemed.amount), batch: redeemed.batch.batchNo, balance: formatUsd(redeemed.balance) });
  return { blocks: [{ type: "text", text }, { type: "context", text: t("codes.redeemed_note") }], private: true, summary: text };
}
