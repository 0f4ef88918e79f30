import type { PrismaClient } from "../db/index.ts";
import type { Logger } from "../log.ts";
import type { Deliverer, DeliveryOutcome } from "../notify/outbox.ts";
import type { WebhookConfig } from "./config.ts";
import type { WebhookBody, WebhookPayload } from "./events.ts";
import { integrationPayload } from "../notify/integrationPayload.ts";
import { ATTEMPT_HEADER, DELIVERY_HEADER, EVENT_HEADER, REDELIVERY_HEADER, signatureHeader, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./signature.ts";

/** Retry-After, in seconds or as an HTTP date, as milliseconds from now (capped at an hour). */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 3_600_000) : undefined;
}

/**
 * Sends webhooks: a signed JSON POST per delivery, one attempt per outbox claim, each attempt in
 * webhook_attempts. A 2xx is delivered; 408, 429 (after its Retry-After), 5xx and network errors
 * are retried with the outbox's backoff; any other answer is a refusal the endpoint will repeat,
 * and the delivery is given up (an operator can replay it). Every attempt after the first, and
 * every replay, says `redelivery: true`: the receiver may have processed an earlier one whose
 * answer was lost, and should dedupe on the delivery id.
 */
export function webhookDeliverer(prisma: PrismaClient, config: WebhookConfig, options: { log?: Logger; now?: () => Date } = {}): Deliverer {
  const endpoints = new Map(config.endpoints.map((e) => [e.id, e]));
  return {
    async deliver(message): Promise<DeliveryOutcome> {
      const payload = integrationPayload<WebhookPayload>(message);
      const endpoint = endpoints.get(payload.endpointId);
      if (!endpoint) return { status: "failed", error: `endpoint "${payload.endpointId}" is no longer configured` };
      const attempt = message.attempts;
      const redelivery = attempt > 1 || payload.replay === true;
      const body: WebhookBody = {
        id: payload.eventId,
        deliveryId: payload.deliveryId,
        type: payload.event,
        occurredAt: payload.occurredAt,
        attempt,
        redelivery,
        data: payload.data,
      };
      const raw = JSON.stringify(body);
      const timestamp = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
      const started = performance.now();
      let statusCode: number | null = null;
      let error: string | null = null;
      let outcome: DeliveryOutcome;
      try {
        const response = await fetch(endpoint.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "credit-desk-webhooks/1",
            [SIGNATURE_HEADER]: signatureHeader(endpoint.secrets, timestamp, raw),
            [TIMESTAMP_HEADER]: String(timestamp),
            [DELIVERY_HEADER]: payload.deliveryId,
            [EVENT_HEADER]: payload.event,
            [REDELIVERY_HEADER]: String(redelivery),
            [ATTEMPT_HEADER]: String(attempt),
          },
          body: raw,
          redirect: "manual",
          signal: AbortSignal.timeout(endpoint.timeoutMs),
        });
        statusCode = response.status;
        await response.body?.cancel().catch(() => undefined);
        if (statusCode >= 200 && statusCode < 300) outcome = { status: "sent" };
        else if (statusCode === 408 || statusCode === 429 || statusCode >= 500) {
          error = `HTTP ${statusCode}`;
          outcome = { status: "retry", error, afterMs: statusCode === 429 ? retryAfterMs(response.headers.get("retry-after")) : undefined };
        } else {
          error = `HTTP ${statusCode}: refused by the endpoint`;
          outcome = { status: "failed", error };
        }
      } catch (err) {
        error = (err as Error).name === "TimeoutError" ? `no answer within ${endpoint.timeoutMs} ms` : `network: ${(err as Error).message}`;
        outcome = { status: "retry", error };
      }
      await prisma.webhookAttempt.create({
        data: {
          outboxId: message.id,
          deliveryId: payload.deliveryId,
          endpointId: endpoint.id,
          event: payload.event,
          attempt,
          redelivery,
          statusCode,
          error,
          durationMs: Math.round(performance.now() - started),
        },
      });
      if (outcome.status !== "sent") options.log?.warn({ delivery: payload.deliveryId, endpoint: endpoint.id, attempt, error }, "webhook not delivered");
      return outcome;
    },
  };
}
