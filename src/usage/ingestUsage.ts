import type { PrismaClient } from "../db/index.ts";
import type { SqlDriver } from "../db/driver.ts";
import { formatUsd } from "../ledger/money.ts";
import { postUsageBatch, USAGE_BALANCE_FLOOR, usageKey, type UsageFollowUp } from "../ledger/postUsageBatch.ts";
import type { Actor, Bucket } from "../ledger/types.ts";
import { entriesPosted, usageRecordsReceived } from "../metrics.ts";
import { afterBalanceChange, alertTransition } from "../notify/lowBalance.ts";
import type { IndexedRecord, RejectedRecord } from "./usageRecord.ts";

export interface IngestOptions {
  spendingOrder?: readonly Bucket[];
  actor?: Actor;
  now?: () => Date;
  /**
   * Transactions writing one batch at once, each on its own connection (PostgreSQL only; PGlite
   * has one connection). Records of one account always go to the same transaction.
   */
  parallel?: number;
  /**
   * The database's own driver. When it runs transactions itself (PostgreSQL), a batch goes
   * straight through it, without Prisma's per-query cost; a batch that moves an account across
   * its low-balance threshold is done again through Prisma, whose transaction the alert joins.
   */
  driver?: SqlDriver;
}

export interface IngestResult {
  accepted: string[];
  duplicates: string[];
  rejected: RejectedRecord[];
  /** Ledger entries written (a debit spread over two buckets is two entries). */
  entries: number;
  /** Low-balance messages enqueued. */
  alerts: number;
}

export const USAGE_ACTOR: Actor = { type: "system", id: "usage-api" };

/**
 * Debits a batch of usage records through the ledger (`postUsageBatch`: each record exactly
 * once, as `api_usage` in the spending order), with the low-balance alert in the transaction of
 * the debit that crosses the threshold, and says what became of each record.
 */
export async function ingestUsage(prisma: PrismaClient, records: IndexedRecord[], options: IngestOptions = {}): Promise<IngestResult> {
  // Records are debited in the order they were sent.
  const items = records.every((item, i) => i === 0 || records[i - 1].index < item.index) ? records : [...records].sort((a, b) => a.index - b.index);
  const posted = await postUsageBatch(
    prisma,
    items.map((item) => item.record),
    {
      actor: options.actor ?? USAGE_ACTOR,
      spendingOrder: options.spendingOrder,
      parallel: options.parallel,
      driver: options.driver,
      followUp: lowBalanceAlert(options.now),
    },
  );

  const result: IngestResult = { accepted: [], duplicates: [], rejected: [], entries: posted.entries, alerts: 0 };
  // Duplicates are listed in the order of each id's first appearance in the batch.
  const firstIndexOf = new Map<string, number>();
  items.forEach((item, i) => {
    const { record } = item;
    if (!firstIndexOf.has(record.id)) firstIndexOf.set(record.id, item.index);
    switch (posted.outcomes[i]) {
      case "accepted":
        result.accepted.push(record.id);
        break;
      case "duplicate":
        result.duplicates.push(record.id);
        break;
      case "conflict":
        result.rejected.push({
          index: item.index,
          id: record.id,
          reason: "id_conflict",
          message: "this record id was already used for a different account, cost, model or endpoint",
        });
        break;
      case "unknown_account":
        result.rejected.push({ index: item.index, id: record.id, reason: "unknown_account", message: `no account ${record.accountId}` });
        break;
      case "out_of_range":
        result.rejected.push({
          index: item.index,
          id: record.id,
          reason: "balance_out_of_range",
          message:
            `debiting it would take the balance of account ${record.accountId}, or one of its buckets, below ${formatUsd(USAGE_BALANCE_FLOOR)} ` +
            "(the lowest usage may take a balance to) or past the ledger's range; it was not debited",
        });
        break;
    }
  });
  result.duplicates.sort((a, b) => firstIndexOf.get(a)! - firstIndexOf.get(b)!);
  for (const movement of posted.followedUp) {
    if (alertTransition(movement.settings, movement.before, movement.after) === "notify") result.alerts++;
  }

  if (result.entries > 0) entriesPosted.inc({ type: "api_usage" }, result.entries);
  if (result.accepted.length > 0) usageRecordsReceived.inc({ outcome: "accepted" }, result.accepted.length);
  if (result.duplicates.length > 0) usageRecordsReceived.inc({ outcome: "duplicate" }, result.duplicates.length);
  if (result.rejected.length > 0) usageRecordsReceived.inc({ outcome: "rejected" }, result.rejected.length);
  return result;
}

/**
 * The low-balance alert of an account a batch moves across its threshold (or back above it),
 * in the transaction that writes the debit: both commit, or neither.
 */
function lowBalanceAlert(now: (() => Date) | undefined): UsageFollowUp {
  return {
    wants: (movement) => alertTransition(movement.settings, movement.before, movement.after) !== "none",
    async run(tx, movements) {
      const at = now?.() ?? new Date();
      for (const { cause, settings, ...movement } of movements) {
        await afterBalanceChange(tx, movement, { state: settings, cause: usageKey(cause), now: at });
      }
    },
  };
}
