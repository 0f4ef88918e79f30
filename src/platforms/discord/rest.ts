import { REST, RESTEvents, type RESTOptions } from "discord.js";

/**
 * Discord bans, for an hour, an IP that makes 10,000 invalid requests (401, 403, 429 — except
 * 429s of the "shared" scope) in 10 minutes. Both the gateway client's REST and the outbox's
 * REST report every response here; past `pauseAt` (a tenth of Discord's limit by default) the
 * outbox stops calling Discord until old errors leave the window.
 */
export class InvalidRequestBudget {
  private readonly stamps: number[] = [];

  constructor(
    readonly options: { windowMs?: number; pauseAt?: number; now?: () => number } = {},
  ) {}

  private get windowMs(): number {
    return this.options.windowMs ?? 10 * 60_000;
  }

  private get pauseAt(): number {
    return this.options.pauseAt ?? 1000;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < this.stamps.length && this.stamps[drop] <= cutoff) drop += 1;
    if (drop) this.stamps.splice(0, drop);
  }

  /** Counts one response if Discord counts it as invalid. */
  record(status: number, scope?: string | null): void {
    if (status !== 401 && status !== 403 && status !== 429) return;
    if (status === 429 && scope === "shared") return;
    const now = this.now();
    this.prune(now);
    this.stamps.push(now);
  }

  count(): number {
    this.prune(this.now());
    return this.stamps.length;
  }

  /** 0 when calls may go ahead; otherwise how long until the count drops below the threshold. */
  pausedForMs(): number {
    const now = this.now();
    this.prune(now);
    if (this.stamps.length < this.pauseAt) return 0;
    const oldestThatMustExpire = this.stamps[this.stamps.length - this.pauseAt];
    return Math.max(1, oldestThatMustExpire + this.windowMs - now);
  }

  /** Reports every response of this REST manager to the budget. */
  watch(rest: REST): REST {
    rest.on(RESTEvents.Response, (_request, response) => {
      this.record(response.status, response.headers.get("x-ratelimit-scope"));
    });
    return rest;
  }
}

export function restOptions(api: string | undefined, overrides: Partial<RESTOptions> = {}): Partial<RESTOptions> {
  return { version: "10", ...(api ? { api } : {}), ...overrides };
}

/**
 * The REST client the outbox delivers with. It never sleeps on a rate limit: a 429 (or a bucket
 * known to be empty) rejects at once with the wait Discord asked for, and the outbox reschedules
 * the message, so one slow bucket never holds a worker or retries behind its back.
 */
export function createDeliveryRest(options: { token: string; api?: string; budget: InvalidRequestBudget; timeoutMs?: number }): REST {
  const rest = new REST(restOptions(options.api, { retries: 1, timeout: options.timeoutMs ?? 15_000, rejectOnRateLimit: () => true }));
  rest.setToken(options.token);
  return options.budget.watch(rest);
}
