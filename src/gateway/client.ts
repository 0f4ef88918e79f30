import type { GatewaySettings } from "./settings.ts";

/**
 * The admin API of new-api and one-api, as their documentation and handlers describe it:
 * - Authentication: the admin's access token (generated in the dashboard, GET /api/user/token) in
 *   `Authorization`; new-api also wants `New-Api-User: <that admin's user id>`.
 * - Answers are HTTP 200 with `{success, message, data}`; `success: false` is a refusal.
 * - GET /api/user/:id reads a user (quota, used_quota, …).
 * - new-api: POST /api/user/manage `{id, action: "add_quota", mode: "add" | "subtract", value}`
 *   moves the quota atomically (quota = quota ± value) and logs it without a remark.
 * - one-api: POST /api/topup `{user_id, quota, remark}` adds quota (never negative) and writes a
 *   top-up log whose content is the remark; GET /api/log/search?keyword=<prefix> finds it again.
 *   Taking quota away needs PUT /api/user/ with the whole user object and the new quota.
 * - GET /api/log/?type=2&start_timestamp&end_timestamp&p… lists consumption logs, newest first
 *   (new-api: p from 1 and page_size, data {items, total}; one-api: p from 0, data an array).
 */
export interface GatewayUser {
  id: number;
  quota: bigint;
  usedQuota: bigint;
  /** The object as the gateway sent it, for one-api's PUT /api/user/. */
  raw: Record<string, unknown>;
}

export interface ConsumeLog {
  id: number;
  userId: number;
  createdAt: number;
  modelName: string;
  tokenName: string;
  quota: bigint;
  promptTokens: number;
  completionTokens: number;
}

/** The gateway did not answer, or answered 5xx/408/429: a change we sent may or may not have been applied. */
export class GatewayUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GatewayUnavailableError";
  }
}

/** The gateway answered and refused: nothing was applied. */
export class GatewayRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GatewayRefusedError";
  }
}

function intOf(value: unknown): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  throw new GatewayRefusedError(`the gateway sent a quota that is not an integer: ${JSON.stringify(value)}`);
}

export class GatewayClient {
  constructor(private readonly settings: GatewaySettings) {}

  get kind() {
    return this.settings.kind;
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.settings.adminToken}`, accept: "application/json" };
    if (this.settings.kind === "new-api" && this.settings.adminUserId) headers["new-api-user"] = String(this.settings.adminUserId);
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${this.settings.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        redirect: "error",
      });
    } catch (err) {
      const reason = (err as Error).name === "TimeoutError" ? `no answer within ${this.settings.timeoutMs} ms` : (err as Error).message;
      throw new GatewayUnavailableError(`${method} ${path}: ${reason}`);
    }
    const text = await response.text().catch(() => "");
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      throw new GatewayUnavailableError(`${method} ${path}: HTTP ${response.status}`);
    }
    if (response.status !== 200) throw new GatewayRefusedError(`${method} ${path}: HTTP ${response.status}`);
    let parsed: { success?: unknown; message?: unknown; data?: unknown };
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new GatewayUnavailableError(`${method} ${path}: the answer is not JSON`);
    }
    if (parsed.success !== true) throw new GatewayRefusedError(`${method} ${path}: ${String(parsed.message ?? "refused")}`);
    return parsed.data;
  }

  async getUser(id: number): Promise<GatewayUser> {
    const data = (await this.call("GET", `/api/user/${id}`)) as Record<string, unknown> | null;
    if (!data || typeof data !== "object") throw new GatewayRefusedError(`GET /api/user/${id}: no user in the answer`);
    return { id, quota: intOf(data.quota), usedQuota: intOf(data.used_quota ?? 0), raw: data };
  }

  /** Moves the user's quota by `delta` units (signed), with `reference` in the gateway's log where its API takes one. */
  async changeQuota(userId: number, delta: bigint, reference: string): Promise<void> {
    if (delta === 0n) return;
    const value = Number(delta < 0n ? -delta : delta);
    if (!Number.isSafeInteger(value)) throw new GatewayRefusedError(`a quota change of ${delta} is too large for the gateway`);
    if (this.settings.kind === "new-api") {
      await this.call("POST", "/api/user/manage", { id: userId, action: "add_quota", mode: delta > 0n ? "add" : "subtract", value });
      return;
    }
    if (delta > 0n) {
      await this.call("POST", "/api/topup", { user_id: userId, quota: value, remark: reference });
      return;
    }
    // one-api has no decrement: read, then write the whole user back with the new quota.
    const user = await this.getUser(userId);
    await this.call("PUT", "/api/user/", { ...user.raw, id: userId, quota: Number(user.quota - BigInt(value)) });
  }

  /** Whether a top-up log with this reference exists (one-api only; null where the API cannot say). */
  async hasTopupLog(reference: string): Promise<boolean | null> {
    if (this.settings.kind !== "one-api") return null;
    const data = await this.call("GET", `/api/log/search?keyword=${encodeURIComponent(reference)}`);
    return Array.isArray(data) && data.some((log) => typeof log?.content === "string" && log.content.startsWith(reference));
  }

  /** One page of consumption logs between two times (unix seconds, inclusive), newest first. */
  async consumeLogs(args: { start: number; end: number; page: number; pageSize: number }): Promise<{ logs: ConsumeLog[]; more: boolean }> {
    const base = `/api/log/?type=2&start_timestamp=${args.start}&end_timestamp=${args.end}`;
    if (this.settings.kind === "new-api") {
      const data = (await this.call("GET", `${base}&p=${args.page + 1}&page_size=${args.pageSize}`)) as { items?: unknown[]; total?: number } | null;
      const items = Array.isArray(data?.items) ? data.items : [];
      const total = typeof data?.total === "number" ? data.total : 0;
      return { logs: items.map(logOf), more: (args.page + 1) * args.pageSize < total && items.length > 0 };
    }
    const data = await this.call("GET", `${base}&p=${args.page}`);
    const items = Array.isArray(data) ? data : [];
    return { logs: items.map(logOf), more: items.length > 0 };
  }
}

function logOf(raw: unknown): ConsumeLog {
  const log = (raw ?? {}) as Record<string, unknown>;
  return {
    id: Number(log.id),
    userId: Number(log.user_id),
    createdAt: Number(log.created_at),
    modelName: typeof log.model_name === "string" ? log.model_name : "",
    tokenName: typeof log.token_name === "string" ? log.token_name : "",
    quota: intOf(log.quota ?? 0),
    promptTokens: Number(log.prompt_tokens ?? 0),
    completionTokens: Number(log.completion_tokens ?? 0),
  };
}
