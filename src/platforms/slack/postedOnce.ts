import type { Logger } from "../../log.ts";
import { isRetryable, SlackCallError, type SlackApi } from "./webApi.ts";

/** The metadata event type of the messages the outbox posts; its payload names the outbox row. */
export const OUTBOX_EVENT_TYPE = "credit_desk_outbox";

export function outboxMetadata(dedupeKey: string): { event_type: string; event_payload: { outbox: string } } {
  return { event_type: OUTBOX_EVENT_TYPE, event_payload: { outbox: dedupeKey } };
}

interface HistoryPage {
  messages?: { ts?: string; metadata?: { event_type?: string; event_payload?: { outbox?: unknown } } }[];
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

const PAGE = 200;
const MAX_PAGES = 5;
/** Clock skew between this machine and Slack's, allowed for when searching from the row's creation. */
const SKEW_SECONDS = 120;

/**
 * The ts of the message an earlier attempt posted for this outbox row, if Slack has it: the
 * conversation (or the card's thread) since the row was created, searched for the row's key in
 * the messages' metadata (conversations.history / conversations.replies with include_all_metadata;
 * the im:history, channels:history and groups:history scopes). A rate limit or a network failure
 * is thrown, so the outbox waits and asks again; when Slack refuses the search itself (a missing
 * scope on an installation made before it was asked for), the message is posted without it, and
 * the log says that this one send could repeat.
 */
export async function findPosted(
  api: SlackApi,
  where: { channel: string; threadTs?: string; dedupeKey: string; since: Date },
  log?: Logger,
): Promise<string | null> {
  const method = where.threadTs ? "conversations.replies" : "conversations.history";
  const oldest = `${Math.max(0, Math.floor(where.since.getTime() / 1000) - SKEW_SECONDS)}.000000`;
  let cursor: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await api.call<HistoryPage>(method, {
        channel: where.channel,
        ...(where.threadTs ? { ts: where.threadTs } : {}),
        oldest,
        limit: PAGE,
        include_all_metadata: true,
        ...(cursor ? { cursor } : {}),
      });
      const found = answer.messages?.find(
        (m) => m.metadata?.event_type === OUTBOX_EVENT_TYPE && m.metadata.event_payload?.outbox === where.dedupeKey,
      );
      if (found?.ts) return found.ts;
      cursor = answer.response_metadata?.next_cursor || undefined;
      if (!answer.has_more || !cursor) return null;
    }
    log?.warn({ outbox: where.dedupeKey, channel: where.channel }, `searched ${MAX_PAGES * PAGE} messages for an earlier send and stopped; posting`);
    return null;
  } catch (err) {
    if (err instanceof SlackCallError && !isRetryable(err.failure)) {
      log?.warn({ outbox: where.dedupeKey, method, error: err.message }, "cannot search Slack for an earlier send; posting (this one message could appear twice)");
      return null;
    }
    throw err;
  }
}
