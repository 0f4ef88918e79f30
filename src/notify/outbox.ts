import { randomUUID } from "node:crypto";
import type { PrismaClient, Tx } from "../db/index.ts";
import type { Logger } from "../log.ts";
import type { Platform, Reply } from "../reply.ts";
import { sleep } from "../lib/loop.ts";

/**
 * Everything that leaves the process goes through the outbox, written in the same transaction
 * as the change that caused it. Workers claim due rows with FOR UPDATE SKIP LOCKED and a lease,
 * so any number of them share the table and no row is sent by two at once.
 */
export type Recipient =
  /** A direct message to a chat user. */
  | { type: "user"; workspaceId: string; userId: string }
  /** A new message in the platform's support channel. */
  | { type: "support_channel" }
  /** A support card (of an order, or of a transfer on chain), edited in place. */
  | { type: "card"; cardKey: string }
  /** A configured webhook endpoint (src/webhooks). */
  | { type: "endpoint"; endpointId: string }
  /** A user of the API gateway whose quota mirrors the account's credit (src/gateway). */
  | { type: "gateway_user"; gatewayUserId: number };

export type OutboxKind = "dm" | "support_card" | "card_update" | "support_note" | "webhook" | "quota_change";

/** Where an outbox message goes: a chat surface, or one of the platform integrations. */
export type OutboxPlatform = Platform | "webhook" | "gateway";

/**
 * A message the outbox draws when it delivers it, from the state of what it is about at that
 * moment (an order's card, a customer's message): `view` names the view, the rest says what to
 * draw. The views live above the domain (src/views); the worker hands the outbox its renderer.
 */
export interface ViewRef {
  view: string;
}

/** What an outbox row carries: a reply written out, or a view drawn at delivery. */
export type OutboxPayload = Reply | ViewRef;

/** Draws a message's view; null when what it was about is gone (nothing to send). */
export type OutboxRenderer = (message: QueuedMessage) => Promise<Reply | null>;

export interface OutboxInput {
  /** One event, one key: enqueuing the same key again is a no-op. */
  dedupeKey: string;
  platform: OutboxPlatform;
  kind: OutboxKind;
  recipient: Recipient;
  payload: OutboxPayload;
  /** The support card this message posts or edits ("order:<id>", "transfer:<id>"), so its message id can be recorded. */
  cardKey?: string;
}

/** A claimed row, as stored. */
export interface QueuedMessage {
  id: bigint;
  dedupeKey: string;
  platform: OutboxPlatform;
  kind: OutboxKind;
  recipient: Recipient;
  payload: OutboxPayload & { cardKey?: string; orderId?: string };
  /** Claims so far, this one included: above 1, an earlier attempt may have reached the platform. */
  attempts: number;
  createdAt: Date;
}

/** A message ready for a deliverer: its reply drawn. */
export interface OutboxMessageView extends Omit<QueuedMessage, "payload"> {
  payload: Reply & { cardKey?: string; orderId?: string };
}

export function isViewRef(payload: OutboxPayload): payload is ViewRef {
  return typeof (payload as ViewRef).view === "string";
}

/** The card a message posts or edits; rows queued before card keys name their order instead. */
export function cardKeyOf(message: Pick<QueuedMessage, "recipient" | "payload">): string | undefined {
  const recipient = message.recipient as Recipient | { type: "card"; orderId: string };
  if (recipient.type === "card") return "cardKey" in recipient ? recipient.cardKey : `order:${recipient.orderId}`;
  if (message.payload.cardKey) return message.payload.cardKey;
  return message.payload.orderId ? `order:${message.payload.orderId}` : undefined;
}

export function orderCardKey(orderId: string): string {
  return `order:${orderId}`;
}

export type DeliveryOutcome =
  | { status: "sent"; posted?: { channelId: string; messageId: string } }
  /**
   * `counts: false` when the message is not at fault and only has to wait: a rate limit, a pause
   * the deliverer imposed, a credential an operator must replace. Such a wait does not use up one
   * of its MAX_ATTEMPTS (a long 429 storm would otherwise kill it); it only ends after MAX_WAIT_HOURS.
   */
  | { status: "retry"; afterMs?: number; error: string; counts?: false }
  | { status: "failed"; error: string; fallback?: OutboxInput };

export interface Deliverer {
  deliver(message: OutboxMessageView): Promise<DeliveryOutcome>;
}

export type Deliverers = Partial<Record<OutboxPlatform, Deliverer>>;

export async function enqueue(tx: Tx, input: OutboxInput): Promise<void> {
  const payload = input.cardKey ? { ...input.payload, cardKey: input.cardKey } : input.payload;
  await tx.outboxMessage.createMany({
    data: [
      {
        dedupeKey: input.dedupeKey,
        platform: input.platform,
        kind: input.kind,
        recipient: input.recipient as object,
        payload: payload as object,
      },
    ],
    skipDuplicates: true,
  });
}

/**
 * A support card: posted once in a surface's support channel, then edited in place, always by
 * the same `cardKey` ("order:<id>", "refund:<id>") so the posted message can be found again.
 * `perPlatform` keys the rows by surface too, for a card posted on several surfaces at once.
 */
export interface SupportCard {
  cardKey: string;
  platform: OutboxPlatform;
  payload: OutboxPayload;
  perPlatform?: boolean;
}

function cardEvent(card: SupportCard): string {
  return `${card.cardKey}:card${card.perPlatform ? `:${card.platform}` : ""}`;
}

/** Queues the card's first post in the support channel. */
export async function postCard(tx: Tx, card: SupportCard): Promise<void> {
  await enqueue(tx, { dedupeKey: cardEvent(card), platform: card.platform, kind: "support_card", recipient: { type: "support_channel" }, payload: card.payload, cardKey: card.cardKey });
}

/** Queues an edit of the posted card; `revision` makes each change its own event (a repeat of one is a no-op). */
export async function editCard(tx: Tx, card: SupportCard, revision: string): Promise<void> {
  await enqueue(tx, {
    dedupeKey: `${cardEvent(card)}:${revision}`,
    platform: card.platform,
    kind: "card_update",
    recipient: { type: "card", cardKey: card.cardKey },
    payload: card.payload,
    cardKey: card.cardKey,
  });
}

export const MAX_ATTEMPTS = 12;
/** How long a message may wait out rate limits and pauses (retries that do not count) before it is given up. */
export const MAX_WAIT_HOURS = 72;
/** How long a claim holds a message; renewed right before each send, so it only has to cover one. */
export const LEASE_SECONDS = 60;

/** Exponential backoff with a cap: 1 s, 2 s, 4 s … 5 min. */
export function backoffMs(attempts: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

interface ClaimedRow {
  id: bigint;
  dedupeKey: string;
  platform: string;
  kind: string;
  recipient: unknown;
  payload: unknown;
  attempts: number;
  createdAt: Date;
}

/** A claim on a batch of messages: its token is what proves, at each send and settle, that the lease is still ours. */
export interface Lease {
  token: string;
  seconds: number;
}

export function newLease(seconds = LEASE_SECONDS): Lease {
  return { token: randomUUID(), seconds };
}

export async function claimDue(prisma: PrismaClient, limit: number, platforms: OutboxPlatform[], lease: Lease = newLease()): Promise<QueuedMessage[]> {
  if (platforms.length === 0) return [];
  const rows = await prisma.$queryRaw<ClaimedRow[]>`
    UPDATE "outbox_messages"
    SET "lockedUntil" = now() + make_interval(secs => ${lease.seconds}), "attempts" = "attempts" + 1, "leaseToken" = ${lease.token}
    WHERE "id" IN (
      SELECT "id" FROM "outbox_messages"
      WHERE "status" = 'pending' AND "nextAttemptAt" <= now()
        AND ("lockedUntil" IS NULL OR "lockedUntil" < now())
        AND "platform" = ANY(${platforms}::text[])
      ORDER BY "id"
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING "id", "dedupeKey", "platform", "kind", "recipient", "payload", "attempts", "createdAt"`;
  return rows
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((r) => ({
      id: BigInt(r.id),
      dedupeKey: r.dedupeKey,
      platform: r.platform as OutboxPlatform,
      kind: r.kind as OutboxKind,
      recipient: (typeof r.recipient === "string" ? JSON.parse(r.recipient) : r.recipient) as Recipient,
      payload: (typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload) as QueuedMessage["payload"],
      attempts: r.attempts,
      createdAt: new Date(r.createdAt),
    }));
}

/**
 * Renews the lease on one message right before it is sent; false when the lease was lost (it ran
 * out while earlier messages of the batch were sent, and another worker claimed this one).
 */
export async function renewLease(prisma: PrismaClient, message: QueuedMessage, lease: Lease): Promise<boolean> {
  const renewed = await prisma.$executeRaw`
    UPDATE "outbox_messages" SET "lockedUntil" = now() + make_interval(secs => ${lease.seconds})
    WHERE "id" = ${message.id} AND "leaseToken" = ${lease.token} AND "status" = 'pending'`;
  return renewed === 1;
}

/** Records what became of a send, only while the lease is ours; false when another worker holds the message. */
export async function settle(prisma: PrismaClient, message: QueuedMessage, outcome: DeliveryOutcome, lease: Lease): Promise<boolean> {
  const ours = { id: message.id, leaseToken: lease.token };
  if (outcome.status === "sent") {
    return prisma.$transaction(async (tx) => {
      const { count } = await tx.outboxMessage.updateMany({
        where: ours,
        data: { status: "sent", sentAt: new Date(), lockedUntil: null, lastError: null, leaseToken: null },
      });
      if (count === 0) return false;
      const cardKey = cardKeyOf(message);
      if (message.kind === "support_card" && outcome.posted && cardKey) {
        const orderId = cardKey.startsWith("order:") ? cardKey.slice("order:".length) : null;
        await tx.supportCard.upsert({
          where: { cardKey_platform: { cardKey, platform: message.platform } },
          create: { cardKey, orderId, platform: message.platform, ...outcome.posted },
          update: outcome.posted,
        });
      }
      return true;
    });
  }
  if (outcome.status === "retry" && outcome.counts === false) {
    // The claim counted this attempt; a wait the message is not to blame for gives it back.
    const { count } = await prisma.outboxMessage.updateMany({
      where: { ...ours, createdAt: { gt: new Date(Date.now() - MAX_WAIT_HOURS * 3_600_000) } },
      data: {
        attempts: { decrement: 1 },
        nextAttemptAt: new Date(Date.now() + Math.max(outcome.afterMs ?? 0, 1000)),
        lockedUntil: null,
        lastError: outcome.error.slice(0, 500),
        leaseToken: null,
      },
    });
    if (count === 1) return true;
    // Not ours any more, or waiting for longer than MAX_WAIT_HOURS: the dead path below tells which.
  } else if (outcome.status === "retry" && message.attempts < MAX_ATTEMPTS) {
    const wait = Math.max(outcome.afterMs ?? 0, backoffMs(message.attempts));
    const { count } = await prisma.outboxMessage.updateMany({
      where: ours,
      data: { nextAttemptAt: new Date(Date.now() + wait), lockedUntil: null, lastError: outcome.error.slice(0, 500), leaseToken: null },
    });
    return count === 1;
  }
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.outboxMessage.updateMany({
      where: ours,
      data: { status: "dead", lockedUntil: null, lastError: outcome.error.slice(0, 500), leaseToken: null },
    });
    if (count === 0) return false;
    if (outcome.status === "failed" && outcome.fallback) await enqueue(tx, outcome.fallback);
    return true;
  });
}

export interface DrainOptions {
  prisma: PrismaClient;
  deliverers: Deliverers;
  /** Draws the messages queued as views (src/views' outboxRenderer). */
  render: OutboxRenderer;
  log?: Logger;
  batchSize?: number;
  /** How long a claim holds a message (tests shorten it). */
  leaseSeconds?: number;
}

/** The message as its deliverer takes it: a view drawn now; a reply as written. */
async function drawn(message: QueuedMessage, render: OutboxRenderer): Promise<OutboxMessageView | null> {
  const { payload } = message;
  if (!isViewRef(payload)) return { ...message, payload };
  const reply = await render(message);
  return reply && { ...message, payload: { ...reply, cardKey: payload.cardKey } };
}

/**
 * Claims and delivers what is due once; returns how many messages were claimed. Each message is
 * sent only after its lease is renewed, and settled only while the lease is still this claim's:
 * a batch slower than its lease loses the rest to another worker instead of sending it twice.
 */
export async function deliverDue(options: DrainOptions): Promise<number> {
  const platforms = Object.keys(options.deliverers) as OutboxPlatform[];
  const lease = newLease(options.leaseSeconds);
  const batch = await claimDue(options.prisma, options.batchSize ?? 20, platforms, lease);
  for (const message of batch) {
    if (!(await renewLease(options.prisma, message, lease))) {
      options.log?.info({ outbox: String(message.id) }, "outbox lease lost before sending: another worker holds the message");
      continue;
    }
    const deliverer = options.deliverers[message.platform]!;
    let outcome: DeliveryOutcome;
    try {
      const ready = await drawn(message, options.render);
      outcome = ready ? await deliverer.deliver(ready) : { status: "failed", error: "nothing to draw: what the message was about is gone" };
    } catch (err) {
      outcome = { status: "retry", error: err instanceof Error ? err.message : String(err) };
    }
    if (outcome.status !== "sent") {
      options.log?.warn({ outbox: String(message.id), kind: message.kind, outcome: outcome.status, error: outcome.error }, "outbox delivery not done");
    }
    if (!(await settle(options.prisma, message, outcome, lease))) {
      options.log?.warn({ outbox: String(message.id), kind: message.kind }, "outbox lease lost while sending: the message may be sent again by the worker that holds it");
    }
  }
  return batch.length;
}

/** Runs deliverDue in a loop until the signal aborts. */
export async function runOutbox(options: DrainOptions & { pollMs: number; signal: AbortSignal }): Promise<void> {
  while (!options.signal.aborted) {
    let handled = 0;
    try {
      handled = await deliverDue(options);
    } catch (err) {
      options.log?.error({ err }, "outbox loop error");
    }
    if (handled === 0) await sleep(options.pollMs, options.signal);
  }
}
