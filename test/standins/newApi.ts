import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for the admin API of new-api and one-api on 127.0.0.1, written from their
 * documentation and handlers (see src/gateway/client.ts for the facts it follows):
 * - every answer is HTTP 200 `{success, message, data}`; a refusal is `success: false`;
 * - admin routes take the admin's access token in `Authorization` (with or without `Bearer `);
 *   new-api also checks `New-Api-User` against the token's owner;
 * - GET /api/user/:id; PUT /api/user/ (the whole user; sets quota); new-api's POST
 *   /api/user/manage `add_quota` (add / subtract / override); one-api's POST /api/topup
 *   `{user_id, quota, remark}` (never negative; a top-up log with the remark as its content) and
 *   GET /api/log/search?keyword= (content prefix);
 * - GET /api/log/ with type, start_timestamp, end_timestamp and p (new-api: p from 1 and
 *   page_size, data {items, total, page, page_size}; one-api: p from 0, 10 a page, data an array),
 *   newest first; consumption moves quota into used_quota and writes a type 2 log.
 * Faults can be armed per route: answer late (after applying the change), or answer 5xx.
 */
export type GatewayKind = "new-api" | "one-api";

export interface StandinUser {
  id: number;
  username: string;
  quota: number;
  used_quota: number;
  request_count: number;
  group: string;
  role: number;
  status: number;
}

export interface StandinLog {
  id: number;
  user_id: number;
  created_at: number;
  type: number;
  content: string;
  username: string;
  token_name: string;
  model_name: string;
  quota: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface StandinCall {
  method: string;
  path: string;
  body: unknown;
  status: number;
}

const ONE_API_PAGE = 10;

export class NewApiStandin {
  readonly users = new Map<number, StandinUser>();
  readonly logs: StandinLog[] = [];
  readonly calls: StandinCall[] = [];
  private server?: Server;
  private nextLogId = 1;
  private faults: { route: string; kind: "late" | "error"; ms?: number; status?: number; times: number }[] = [];
  url = "";

  constructor(
    readonly kind: GatewayKind,
    readonly admin: { token: string; userId: number } = { token: "standin-admin-token-0123456789", userId: 1 },
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  addUser(id: number, quota = 0): StandinUser {
    const user = { id, username: `user${id}`, quota, used_quota: 0, request_count: 0, group: "default", role: 1, status: 1 };
    this.users.set(id, user);
    return user;
  }

  /** A request the user made through the gateway: its cost leaves quota for used_quota, and a consumption log is written. */
  consume(userId: number, quota: number, args: { model?: string; prompt?: number; completion?: number; at?: number } = {}): StandinLog {
    const user = this.users.get(userId)!;
    user.quota -= quota;
    user.used_quota += quota;
    user.request_count++;
    return this.log(user, 2, "", quota, args);
  }

  /** The next `times` requests to `route` ("POST /api/user/manage") apply as usual, then answer only after `ms`. */
  answerLate(route: string, ms: number, times = 1): void {
    this.faults.push({ route, kind: "late", ms, times });
  }

  /** The next `times` requests to `route` answer `status` without doing anything. */
  failWith(route: string, status: number, times = 1): void {
    this.faults.push({ route, kind: "error", status, times });
  }

  callsTo(route: string): StandinCall[] {
    return this.calls.filter((c) => `${c.method} ${c.path.split("?")[0]}` === route);
  }

  private log(user: StandinUser, type: number, content: string, quota: number, args: { model?: string; prompt?: number; completion?: number; at?: number } = {}): StandinLog {
    const log: StandinLog = {
      id: this.nextLogId++,
      user_id: user.id,
      created_at: args.at ?? Math.floor(Date.now() / 1000),
      type,
      content,
      username: user.username,
      token_name: "default",
      model_name: args.model ?? "",
      quota,
      prompt_tokens: args.prompt ?? 0,
      completion_tokens: args.completion ?? 0,
    };
    this.logs.push(log);
    return log;
  }

  private fault(route: string, kind: "late" | "error") {
    const found = this.faults.find((f) => f.route === route && f.kind === kind && f.times > 0);
    if (found) found.times--;
    return found;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const url = new URL(req.url ?? "/", "http://standin");
    const route = `${req.method} ${url.pathname}`;
    const record: StandinCall = { method: req.method ?? "", path: `${url.pathname}${url.search}`, body, status: 200 };
    this.calls.push(record);
    const error = this.fault(route, "error");
    if (error) {
      record.status = error.status!;
      res.writeHead(error.status!, { "content-type": "application/json" }).end(JSON.stringify({ success: false, message: "injected failure" }));
      return;
    }
    const answer = this.authorized(req) ? this.route(req.method ?? "", url, body) : { success: false, message: "无权进行此操作，access token 无效" };
    const late = this.fault(route, "late");
    if (late) await new Promise((resolve) => setTimeout(resolve, late.ms));
    if (res.destroyed) return;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ message: "", ...answer }));
  }

  private authorized(req: IncomingMessage): boolean {
    const token = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
    if (token !== this.admin.token) return false;
    return this.kind === "one-api" || req.headers["new-api-user"] === String(this.admin.userId);
  }

  private route(method: string, url: URL, body: unknown): { success: boolean; message?: string; data?: unknown } {
    const path = url.pathname;
    const userMatch = /^\/api\/user\/(\d+)$/.exec(path);
    if (method === "GET" && userMatch) {
      const user = this.users.get(Number(userMatch[1]));
      return user ? { success: true, data: { ...user } } : { success: false, message: "record not found" };
    }
    if (method === "PUT" && path === "/api/user/") {
      const input = body as Partial<StandinUser> & { id?: number };
      const user = input?.id ? this.users.get(input.id) : undefined;
      if (!user || typeof input.quota !== "number") return { success: false, message: "无效的参数" };
      if (user.quota !== input.quota) this.log(user, 3, `管理员将用户额度从 ${user.quota} 修改为 ${input.quota}`, 0);
      user.quota = input.quota;
      return { success: true };
    }
    if (this.kind === "new-api" && method === "POST" && path === "/api/user/manage") {
      const input = body as { id?: number; action?: string; mode?: string; value?: number };
      const user = input?.id ? this.users.get(input.id) : undefined;
      if (!user) return { success: false, message: "用户不存在" };
      if (input.action !== "add_quota" || !["add", "subtract", "override"].includes(input.mode ?? "")) return { success: false, message: "无效的参数" };
      const value = Number(input.value);
      if (!Number.isSafeInteger(value) || (input.mode !== "override" && value <= 0)) return { success: false, message: "额度必须大于 0" };
      if (input.mode === "add") user.quota += value;
      else if (input.mode === "subtract") user.quota -= value;
      else user.quota = value;
      this.log(user, 3, `管理员${input.mode === "subtract" ? "减少" : "增加"}用户额度 ${value}`, 0);
      return { success: true, data: { role: user.role, status: user.status } };
    }
    if (this.kind === "one-api" && method === "POST" && path === "/api/topup") {
      const input = body as { user_id?: number; quota?: number; remark?: string };
      const user = input?.user_id ? this.users.get(input.user_id) : undefined;
      if (!user) return { success: false, message: "record not found" };
      if (typeof input.quota !== "number" || input.quota < 0) return { success: false, message: "quota 不能为负数！" };
      user.quota += input.quota;
      this.log(user, 1, input.remark || `通过 API 充值 ${input.quota}`, input.quota);
      return { success: true };
    }
    if (this.kind === "one-api" && method === "GET" && path === "/api/log/search") {
      const keyword = url.searchParams.get("keyword") ?? "";
      return { success: true, data: this.logs.filter((l) => String(l.type) === keyword || l.content.startsWith(keyword)).reverse() };
    }
    if (method === "GET" && path === "/api/log/") {
      const type = Number(url.searchParams.get("type") ?? 0);
      const start = Number(url.searchParams.get("start_timestamp") ?? 0);
      const end = Number(url.searchParams.get("end_timestamp") ?? 0);
      const matching = this.logs
        .filter((l) => (!type || l.type === type) && (!start || l.created_at >= start) && (!end || l.created_at <= end))
        .sort((a, b) => b.id - a.id);
      if (this.kind === "new-api") {
        const page = Math.max(1, Number(url.searchParams.get("p") ?? 1));
        const size = Math.min(100, Math.max(1, Number(url.searchParams.get("page_size") ?? 10)));
        return { success: true, data: { page, page_size: size, total: matching.length, items: matching.slice((page - 1) * size, page * size) } };
      }
      const page = Math.max(0, Number(url.searchParams.get("p") ?? 0));
      return { success: true, data: matching.slice(page * ONE_API_PAGE, (page + 1) * ONE_API_PAGE) };
    }
    return { success: false, message: `no route ${method} ${path}` };
  }
}
