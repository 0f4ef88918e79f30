import { randomUUID } from "node:crypto";
import type { Tx } from "../db/index.ts";
import type { AccountMovement } from "../ledger/postEntries.ts";
import { spendSince } from "../ledger/spendSince.ts";
import { enqueue } from "./outbox.ts";

/** The outbox's reference to a low-balance message: the facts at the moment the balance crossed the threshold. */
export interface LowBalanceRef {
  view: "low_balance";
  locale: string;
  /** micro-USD, as decimal strings (JSON has no bigint). */
  balance: string;
  threshold: string;
  spent24h: string;
  /** The last 7 days' usage cost, for the runway (absent from alerts queued before it was added). */
  spent7d?: string;
}

/** An account's alert setting: no threshold means alerts are off. */
export interface AlertState {
  threshold: bigint | null;
  /** True until an alert is sent; set again once the balance is back at or above the threshold. */
  armed: boolean;
  locale: string;
}

export type AlertTransition = "notify" | "rearm" | "none";

/** One message per crossing from at-or-above to below; the balance coming back re-arms it. */
export function alertTransition(state: AlertState, before: bigint, after: bigint): AlertTransition {
  if (state.threshold === null) return "none";
  if (state.armed && before >= state.threshold && after < state.threshold) return "notify";
  if (!state.armed && after >= state.threshold) return "rearm";
  return "none";
}

const DAY_MS = 24 * 60 * 60 * 1000;

export interface AfterBalanceChangeOptions {
  /** The account's alert setting when the caller already holds it (the account row is locked by the posting). */
  state?: AlertState;
  /** What caused the change (a posting key), for the message's dedupe key. */
  cause?: string;
  now?: Date;
}

/**
 * Call inside the transaction that moved the balance, after the posting: it enqueues the
 * low-balance direct message when a debit crosses the threshold (and disarms), and re-arms on
 * the way back up. The account row is already locked by the posting, so two writers cannot
 * both see the alert armed.
 */
export async function afterBalanceChange(tx: Tx, movement: AccountMovement, options: AfterBalanceChangeOptions = {}): Promise<AlertTransition> {
  let state = options.state;
  if (!state) {
    const account = await tx.account.findUnique({
      where: { id: movement.accountId },
      select: { lowBalanceThreshold: true, lowBalanceArmed: true, locale: true },
    });
    if (!account) return "none";
    state = { threshold: account.lowBalanceThreshold, armed: account.lowBalanceArmed, locale: account.locale };
  }
  const transition = alertTransition(state, movement.before, movement.after);
  if (transition === "rearm") {
    await tx.account.update({ where: { id: movement.accountId }, data: { lowBalanceArmed: true } });
  }
  if (transition !== "notify") return transition;

  await tx.account.update({ where: { id: movement.accountId }, data: { lowBalanceArmed: false } });
  // The identity the customer used most recently is where they are most likely to read it.
  const identity = await tx.chatIdentity.findFirst({
    where: { accountId: movement.accountId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  if (!identity) return transition;
  const now = options.now ?? new Date();
  const spent24h = await spendSince(tx, movement.accountId, new Date(now.getTime() - DAY_MS));
  const spent7d = await spendSince(tx, movement.accountId, new Date(now.getTime() - 7 * DAY_MS));
  const payload: LowBalanceRef = {
    view: "low_balance",
    locale: state.locale,
    balance: movement.after.toString(),
    threshold: state.threshold!.toString(),
    spent24h: spent24h.toString(),
    spent7d: spent7d.toString(),
  };
  await enqueue(tx, {
    dedupeKey: `low-balance:${movement.accountId}:${options.cause ?? randomUUID()}`,
    platform: identity.platform as "slack" | "discord" | "console",
    kind: "dm",
    recipient: { type: "user", workspaceId: identity.workspaceId, userId: identity.userId },
    payload,
  });
  return transition;
}
