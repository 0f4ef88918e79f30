import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

/**
 * A stand-in for Slack on 127.0.0.1, speaking the documented Web API (POST, form-encoded or JSON
 * body, `Authorization: Bearer xoxb-…`, answers `{ok:true,…}` / `{ok:false,error}` with HTTP 200,
 * 429 + Retry-After when rate limited), the private file downloads (`url_private_download`, bot
 * token required) and the `response_url` webhooks. It records every call so tests can assert what
 * the app really sent. It also builds and signs the requests Slack itself would send to the app.
 */

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** The bearer token the call carried (tests assert it is the bot token). */
  token?: string;
  status: number;
  /** What the stand-in answered. */
  response: Record<string, unknown>;
  at: number;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: SlackBlock[];
  threadTs?: string;
  /** Set by chat.update: how many times this message was edited. */
  edits: number;
  /** Ids of the files a files.completeUploadExternal shared with this message. */
  files?: string[];
  /** The message's metadata (chat.postMessage's `metadata`), returned by history with include_all_metadata. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

export interface ResponseUrlPost {
  path: string;
  body: Record<string, unknown>;
  at: number;
}

/** A file upload started with files.getUploadURLExternal (Slack's v2 upload flow). */
export interface ExternalUpload {
  fileId: string;
  filename: string;
  /** What files.getUploadURLExternal was told the size would be. */
  length: number;
  altTxt?: string;
  /** The upload URL's path; Slack's is on files.slack.com, signed for this one file. */
  path: string;
  /** What the POST to the upload URL carried, once it came. */
  bytes?: Uint8Array;
  /** How it came: raw bytes, or a multipart form (both are documented). */
  via?: "raw" | "multipart";
  /** Whether the POST carried the bot token (it need not: the URL is signed). */
  authorized?: boolean;
  /** Set by files.completeUploadExternal. */
  completed?: { title?: string; channelId?: string; initialComment?: string; threadTs?: string; at: number };
}

/** A file shared in a conversation by files.completeUploadExternal. */
export interface SharedFile {
  fileId: string;
  channel: string;
  filename: string;
  title?: string;
  bytes: Uint8Array;
  mimetype: string;
  initialComment?: string;
  ts: string;
}

export interface StoredFile {
  id: string;
  name: string;
  mimetype: string;
  filetype: string;
  bytes: Uint8Array;
  user: string;
}

// Block Kit is loosely typed here on purpose: the stand-in accepts what Slack accepts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SlackBlock = Record<string, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SlackView = Record<string, any>;

export interface OpenedView {
  id: string;
  /** The view as the app sent it (views.open / views.push / views.update / views.publish). */
  view: SlackView;
  via: string;
  userId?: string;
}

export interface SlackStandInOptions {
  teamId?: string;
  teamDomain?: string;
  botToken?: string;
  /** The app-level token (xapp-…) that opens Socket Mode connections. */
  appToken?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
}

/** Trigger ids are valid for 3 seconds and once (Slack's documented rule). */
const TRIGGER_TTL_MS = 3000;

export class SlackStandIn {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botToken: string;
  readonly appToken: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly calls: RecordedCall[] = [];
  readonly responseUrlPosts: ResponseUrlPost[] = [];
  readonly messages: PostedMessage[] = [];
  readonly ephemerals: { channel: string; user: string; text?: string; blocks?: SlackBlock[]; ts: string }[] = [];
  readonly views = new Map<string, OpenedView>();
  readonly fileDownloads: { fileId: string; authorized: boolean }[] = [];
  /** Uploads by file id, in the order files.getUploadURLExternal issued them. */
  readonly uploads = new Map<string, ExternalUpload>();
  /** Every POST to an upload URL, in order (an unknown URL included, with fileId undefined). */
  readonly uploadPosts: { path: string; fileId?: string; status: number; at: number }[] = [];
  readonly sharedFiles: SharedFile[] = [];

  private server?: Server;
  private base = "";
  private tsCounter = 0;
  private idCounter = 0;
  private readonly locales = new Map<string, string>();
  private readonly usergroups = new Map<string, string[]>();
  private readonly dmChannels = new Map<string, string>();
  private readonly files = new Map<string, StoredFile>();
  private readonly expiredResponseUrls = new Set<string>();
  private readonly triggers = new Map<string, { issuedAt: number; used: boolean }>();
  private readonly rateLimits = new Map<string, { remaining: number; retryAfterSeconds: number }>();
  private readonly failures = new Map<string, { remaining: number; error: string }>();
  private readonly waiters = new Set<() => void>();
  private readonly sockets = new Set<WebSocket>();
  private readonly socketAcks = new Map<string, (ack: Record<string, unknown>) => void>();
  private wss?: WebSocketServer;
  /** Every message a Socket Mode client sent back (acks), in order. */
  readonly socketMessages: Record<string, unknown>[] = [];

  constructor(options: SlackStandInOptions = {}) {
    this.teamId = options.teamId ?? "T0CREDIT01";
    this.teamDomain = options.teamDomain ?? "creditdesk-test";
    this.botToken = options.botToken ?? `xoxb-${randomBytes(6).toString("hex")}-standin`;
    this.appToken = options.appToken ?? `xapp-1-A0CREDIT01-${randomBytes(6).toString("hex")}`;
    this.botUserId = options.botUserId ?? "U0BOT00001";
    this.botId = options.botId ?? "B0BOT00001";
    this.appId = options.appId ?? "A0CREDIT01";
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(err));
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on("upgrade", (req, socket, head) => {
      if (!new URL(req.url ?? "/", "http://x").pathname.startsWith("/link")) return socket.destroy();
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.acceptSocket(ws));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.base = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    for (const ws of this.sockets) ws.terminate();
    this.wss?.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** The origin of the stand-in: http://127.0.0.1:<port> */
  get url(): string {
    return this.base;
  }

  /** What SLACK_API_URL must be set to (Slack's own is https://slack.com/api/). */
  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  // ---- configuration ----------------------------------------------------------------------

  setLocale(userId: string, locale: string): void {
    this.locales.set(userId, locale);
  }

  setUsergroup(usergroupId: string, members: string[]): void {
    this.usergroups.set(usergroupId, [...members]);
  }

  /** The next `times` calls of `method` answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(method: string, times: number, retryAfterSeconds = 1): void {
    this.rateLimits.set(method, { remaining: times, retryAfterSeconds });
  }

  /** The next `times` calls of `method` answer `{ok:false, error}`. */
  failNext(method: string, times: number, error: string): void {
    this.failures.set(method, { remaining: times, error });
  }

  /** A file the user uploaded through a file_input, in the shape Slack puts in view state. */
  addFile(file: { name: string; mimetype: string; bytes: Uint8Array; user: string; filetype?: string }): SlackFileObject {
    const id = `F${this.nextId()}`;
    const filetype = file.filetype ?? file.name.split(".").pop()?.toLowerCase() ?? "binary";
    this.files.set(id, { id, name: file.name, mimetype: file.mimetype, filetype, bytes: file.bytes, user: file.user });
    return this.fileObject(this.files.get(id)!);
  }

  /** A trigger id as Slack puts in interactive payloads: usable once, within 3 seconds. */
  issueTrigger(): string {
    const id = `${Date.now()}.${this.nextId()}.${randomBytes(8).toString("hex")}`;
    this.triggers.set(id, { issuedAt: Date.now(), used: false });
    return id;
  }

  /** A response_url on the stand-in, as Slack puts in slash commands and block actions. */
  newResponseUrl(kind: "commands" | "actions" = "commands"): string {
    return `${this.base}/${kind}/${this.teamId}/${this.nextId()}/${randomBytes(12).toString("hex")}`;
  }

  /** Slack honours a response_url for 30 minutes and 5 answers; after that it answers 404. */
  expireResponseUrl(responseUrl: string): void {
    this.expiredResponseUrls.add(new URL(responseUrl).pathname);
  }

  // ---- inspection -------------------------------------------------------------------------

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  okCallsOf(method: string): RecordedCall[] {
    return this.callsOf(method).filter((c) => c.status === 200 && c.response.ok === true);
  }

  responsesTo(responseUrl: string): ResponseUrlPost[] {
    const path = new URL(responseUrl).pathname;
    return this.responseUrlPosts.filter((p) => p.path === path);
  }

  messagesIn(channel: string): PostedMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }

  /** The locale users.info reports for a user ("en-US" unless set). */
  localeOf(userId: string): string {
    return this.locales.get(userId) ?? "en-US";
  }

  dmChannelOf(userId: string): string | undefined {
    return this.dmChannels.get(userId);
  }

  /** Resolves once `probe` returns a value other than undefined/false, or fails after the timeout. */
  async waitFor<T>(probe: () => T | undefined | false | null, timeoutMs = 5000, what = "condition"): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined && value !== false && value !== null) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`stand-in: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 50));
        this.waiters.add(wake);
      });
    }
  }

  // ---- Socket Mode --------------------------------------------------------------------------

  /** Resolves once a Socket Mode client is connected (it has been sent `hello`). */
  async socketConnected(timeoutMs = 8000): Promise<void> {
    await this.waitFor(() => this.sockets.size > 0, timeoutMs, "a Socket Mode connection");
  }

  /**
   * Sends an envelope over Socket Mode as Slack does (`slash_commands`, `interactive` or
   * `events_api`) and resolves with the client's acknowledgement `{envelope_id, payload?}`.
   */
  async sendEnvelope(type: "slash_commands" | "interactive" | "events_api", payload: Record<string, unknown>, timeoutMs = 3000): Promise<Record<string, unknown>> {
    const ws = [...this.sockets][0];
    if (!ws) throw new Error("stand-in: no Socket Mode connection");
    const envelopeId = randomBytes(16).toString("hex");
    const acked = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stand-in: envelope ${type} not acknowledged within ${timeoutMs} ms`)), timeoutMs);
      this.socketAcks.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    ws.send(JSON.stringify({ envelope_id: envelopeId, payload, type, accepts_response_payload: type !== "events_api", retry_attempt: 0, retry_reason: "" }));
    return acked;
  }

  private acceptSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on("close", () => this.sockets.delete(ws));
    ws.on("message", (data) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        return;
      }
      this.socketMessages.push(message);
      const settle = typeof message.envelope_id === "string" ? this.socketAcks.get(message.envelope_id) : undefined;
      if (settle) {
        this.socketAcks.delete(message.envelope_id as string);
        settle(message);
      }
    });
    ws.send(JSON.stringify({ type: "hello", num_connections: 1, debug_info: { host: "standin", approximate_connection_time: 18060 }, connection_info: { app_id: this.appId } }));
    for (const wake of [...this.waiters]) wake();
  }

  // ---- HTTP -------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.base);
    const raw = await readBody(req);
    try {
      if (url.pathname.startsWith("/api/")) return this.handleApi(url.pathname.slice(5), req, raw, res);
      if (url.pathname.startsWith("/files-pri/")) return this.handleFileDownload(url.pathname, req, res);
      if (url.pathname.startsWith("/upload/v1/")) return await this.handleUpload(url.pathname, req, raw, res);
      if (url.pathname.startsWith("/commands/") || url.pathname.startsWith("/actions/")) {
        if (req.method !== "POST") return send(res, 405, "method_not_allowed");
        if (this.expiredResponseUrls.has(url.pathname)) return send(res, 404, "expired_url");
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
        } catch {
          return send(res, 400, "invalid_payload");
        }
        this.responseUrlPosts.push({ path: url.pathname, body, at: Date.now() });
        return send(res, 200, "ok");
      }
      send(res, 404, "not_found");
    } finally {
      for (const wake of [...this.waiters]) wake();
    }
  }

  private handleFileDownload(pathname: string, req: IncomingMessage, res: ServerResponse): void {
    // /files-pri/{team}-{file}/download/{name}
    const match = /^\/files-pri\/([A-Z0-9]+)-(F[A-Z0-9]+)\/download\/[^/]+$/.exec(pathname);
    const file = match ? this.files.get(match[2]) : undefined;
    const authorized = bearer(req) === this.botToken;
    if (match) this.fileDownloads.push({ fileId: match[2], authorized });
    if (!file) return send(res, 404, "file_not_found");
    // Without the token Slack answers with its sign-in page, never the file.
    if (!authorized) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<html><body>Sign in to Slack</body></html>");
      return;
    }
    res.writeHead(200, { "content-type": file.mimetype, "content-length": String(file.bytes.length) });
    res.end(Buffer.from(file.bytes));
  }

  /**
   * The upload URL of files.getUploadURLExternal: a POST of the file as raw bytes or as a
   * multipart form, 200 when it is taken. The URL is signed for one file and one upload.
   */
  private async handleUpload(pathname: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const upload = [...this.uploads.values()].find((u) => u.path === pathname);
    const answer = (status: number, text: string) => {
      this.uploadPosts.push({ path: pathname, fileId: upload?.fileId, status, at: Date.now() });
      send(res, status, text);
    };
    if (req.method !== "POST") return answer(405, "method_not_allowed");
    if (!upload || upload.bytes) return answer(404, "upload_not_found");
    const type = req.headers["content-type"] ?? "";
    let bytes: Uint8Array | undefined;
    let via: ExternalUpload["via"] = "raw";
    if (type.startsWith("multipart/form-data")) {
      via = "multipart";
      const form = await new Response(raw, { headers: { "content-type": type } }).formData();
      for (const [, value] of form.entries()) {
        if (typeof value !== "string") {
          bytes = new Uint8Array(await value.arrayBuffer());
          break;
        }
      }
    } else {
      bytes = new Uint8Array(raw);
    }
    if (!bytes || bytes.length === 0) return answer(400, "no_file_data");
    upload.bytes = bytes;
    upload.via = via;
    upload.authorized = bearer(req) === this.botToken;
    answer(200, `OK - ${bytes.length}`);
  }

  private handleApi(method: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const args = parseArgs(req, raw);
    const token = bearer(req) ?? (typeof args.token === "string" ? args.token : undefined);
    const record = (status: number, response: Record<string, unknown>) => {
      this.calls.push({ method, args, token, status, response, at: Date.now() });
    };

    if (req.method !== "POST" && req.method !== "GET") {
      const response = { ok: false, error: "method_not_allowed" };
      record(405, response);
      return sendJson(res, 405, response);
    }
    const limit = this.rateLimits.get(method);
    if (limit && limit.remaining > 0) {
      limit.remaining -= 1;
      const response = { ok: false, error: "ratelimited" };
      record(429, response);
      res.writeHead(429, { "content-type": "application/json; charset=utf-8", "retry-after": String(limit.retryAfterSeconds) });
      res.end(JSON.stringify(response));
      return;
    }
    let response: Record<string, unknown>;
    // Socket Mode connections are opened with the app-level token, everything else with the bot's.
    const expected = method === "apps.connections.open" ? this.appToken : this.botToken;
    if (!token) response = { ok: false, error: "not_authed" };
    else if (token !== expected) response = { ok: false, error: method === "apps.connections.open" ? "not_allowed_token_type" : "invalid_auth" };
    else {
      const failure = this.failures.get(method);
      if (failure && failure.remaining > 0) {
        failure.remaining -= 1;
        response = { ok: false, error: failure.error };
      } else {
        response = this.answer(method, args);
      }
    }
    record(200, response);
    sendJson(res, 200, response);
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case "apps.connections.open":
        return { ok: true, url: `${this.base.replace(/^http/, "ws")}/link/?ticket=${randomBytes(8).toString("hex")}&app_id=${this.appId}` };
      case "auth.test":
        return {
          ok: true,
          url: `https://${this.teamDomain}.slack.com/`,
          team: "Credit Desk Test",
          user: "credit-desk",
          team_id: this.teamId,
          user_id: this.botUserId,
          bot_id: this.botId,
          is_enterprise_install: false,
        };
      case "views.open":
      case "views.push": {
        const trigger = this.useTrigger(args.trigger_id);
        if (trigger) return { ok: false, error: trigger };
        return this.storeView(args.view, method);
      }
      case "views.update": {
        const id = typeof args.view_id === "string" ? args.view_id : undefined;
        if (!id || !this.views.has(id)) return { ok: false, error: "not_found" };
        return this.storeView(args.view, method, id);
      }
      case "views.publish": {
        if (typeof args.user_id !== "string") return { ok: false, error: "invalid_arguments" };
        const existing = [...this.views.values()].find((v) => v.via === "views.publish" && v.userId === args.user_id);
        return this.storeView(args.view, method, existing?.id, args.user_id);
      }
      case "chat.postMessage": {
        const channel = args.channel;
        if (typeof channel !== "string" || !channel) return { ok: false, error: "channel_not_found" };
        if (!hasContent(args)) return { ok: false, error: "no_text" };
        const blocks = checkBlocks(args.blocks);
        if (blocks === "invalid") return { ok: false, error: "invalid_blocks" };
        const resolved = channel.startsWith("U") || channel.startsWith("W") ? this.openDm(channel) : channel;
        const ts = this.nextTs();
        const message: PostedMessage = {
          channel: resolved,
          ts,
          text: typeof args.text === "string" ? args.text : undefined,
          blocks,
          threadTs: typeof args.thread_ts === "string" ? args.thread_ts : undefined,
          edits: 0,
        };
        if (args.metadata !== undefined) {
          const metadata = args.metadata as { event_type?: unknown; event_payload?: unknown } | null;
          if (!metadata || typeof metadata.event_type !== "string" || typeof metadata.event_payload !== "object" || metadata.event_payload === null) {
            return { ok: false, error: "invalid_metadata_format" };
          }
          message.metadata = { event_type: metadata.event_type, event_payload: metadata.event_payload as Record<string, unknown> };
        }
        this.messages.push(message);
        return { ok: true, channel: resolved, ts, message: this.messageObject(message) };
      }
      case "chat.postEphemeral": {
        if (typeof args.channel !== "string" || typeof args.user !== "string") return { ok: false, error: "invalid_arguments" };
        if (!hasContent(args)) return { ok: false, error: "no_text" };
        const blocks = checkBlocks(args.blocks);
        if (blocks === "invalid") return { ok: false, error: "invalid_blocks" };
        const ts = this.nextTs();
        this.ephemerals.push({ channel: args.channel, user: args.user, text: args.text as string | undefined, blocks, ts });
        return { ok: true, message_ts: ts };
      }
      case "chat.update": {
        const message = this.messages.find((m) => m.channel === args.channel && m.ts === args.ts);
        if (!message) return { ok: false, error: "message_not_found" };
        if (!hasContent(args)) return { ok: false, error: "no_text" };
        const blocks = checkBlocks(args.blocks);
        if (blocks === "invalid") return { ok: false, error: "invalid_blocks" };
        message.text = typeof args.text === "string" ? args.text : message.text;
        message.blocks = blocks;
        message.edits += 1;
        return { ok: true, channel: message.channel, ts: message.ts, text: message.text ?? "", message: this.messageObject(message) };
      }
      case "conversations.history":
      case "conversations.replies": {
        const channel = args.channel;
        if (typeof channel !== "string" || !channel) return { ok: false, error: "channel_not_found" };
        const withMetadata = args.include_all_metadata === true || args.include_all_metadata === "true" || args.include_all_metadata === "1";
        const oldest = typeof args.oldest === "string" ? Number(args.oldest) : 0;
        const latest = typeof args.latest === "string" ? Number(args.latest) : Number.POSITIVE_INFINITY;
        const limit = Math.min(999, Math.max(1, Number(args.limit ?? (method === "conversations.history" ? 100 : 1000)) || 100));
        let found: PostedMessage[];
        if (method === "conversations.replies") {
          if (typeof args.ts !== "string") return { ok: false, error: "invalid_arguments" };
          const parent = this.messages.find((m) => m.channel === channel && m.ts === args.ts);
          if (!parent) return { ok: false, error: "thread_not_found" };
          const root = parent.threadTs ?? parent.ts;
          found = this.messages.filter((m) => m.channel === channel && (m.ts === root || m.threadTs === root));
        } else {
          // History holds a channel's top-level messages, newest first; replies stay in their threads.
          found = this.messages.filter((m) => m.channel === channel && !m.threadTs).reverse();
        }
        found = found.filter((m) => Number(m.ts) > oldest && Number(m.ts) < latest);
        const start = typeof args.cursor === "string" && args.cursor ? Number(Buffer.from(args.cursor, "base64").toString("utf8").replace("next:", "")) || 0 : 0;
        const page = found.slice(start, start + limit);
        const more = start + limit < found.length;
        return {
          ok: true,
          messages: page.map((m) => {
            const object = this.messageObject(m);
            if (m.threadTs) object.thread_ts = m.threadTs;
            if (withMetadata && m.metadata) object.metadata = m.metadata;
            return object;
          }),
          has_more: more,
          response_metadata: { next_cursor: more ? Buffer.from(`next:${start + limit}`).toString("base64") : "" },
        };
      }
      case "conversations.open": {
        const users = typeof args.users === "string" ? args.users.split(",").filter(Boolean) : [];
        if (users.length !== 1) return { ok: false, error: users.length === 0 ? "users_list_not_supplied" : "not_enough_users" };
        const already = this.dmChannels.has(users[0]);
        const id = this.openDm(users[0]);
        return { ok: true, no_op: already, already_open: already, channel: { id } };
      }
      case "users.info": {
        const user = args.user;
        if (typeof user !== "string" || !/^[UW][A-Z0-9]+$/.test(user)) return { ok: false, error: "user_not_found" };
        const includeLocale = args.include_locale === true || args.include_locale === "true";
        return {
          ok: true,
          user: {
            id: user,
            team_id: this.teamId,
            name: user.toLowerCase(),
            real_name: `User ${user}`,
            deleted: false,
            is_bot: false,
            tz: "UTC",
            ...(includeLocale ? { locale: this.localeOf(user) } : {}),
            profile: { display_name: `user-${user.toLowerCase()}`, real_name: `User ${user}` },
          },
        };
      }
      case "usergroups.users.list": {
        const members = typeof args.usergroup === "string" ? this.usergroups.get(args.usergroup) : undefined;
        if (!members) return { ok: false, error: "no_such_subteam" };
        return { ok: true, users: [...members] };
      }
      case "files.getUploadURLExternal": {
        const filename = typeof args.filename === "string" ? args.filename : "";
        const length = typeof args.length === "number" ? args.length : typeof args.length === "string" && /^\d+$/.test(args.length) ? Number(args.length) : NaN;
        if (!filename || !Number.isInteger(length) || length < 1) return { ok: false, error: "invalid_arguments" };
        const altTxt = typeof args.alt_txt === "string" ? args.alt_txt : undefined;
        if (altTxt && [...altTxt].length > 1000) return { ok: false, error: "alt_txt_too_large" };
        const fileId = `F${this.nextId()}`;
        const path = `/upload/v1/${randomBytes(16).toString("hex")}`;
        this.uploads.set(fileId, { fileId, filename, length, altTxt, path });
        return { ok: true, upload_url: `${this.base}${path}`, file_id: fileId };
      }
      case "files.completeUploadExternal": {
        let files: unknown = args.files;
        if (typeof files === "string") {
          try {
            files = JSON.parse(files);
          } catch {
            return { ok: false, error: "invalid_arguments" };
          }
        }
        if (!Array.isArray(files) || files.length === 0) return { ok: false, error: "invalid_arguments" };
        const entries = files as { id?: unknown; title?: unknown }[];
        const found = entries.map((f) => (typeof f?.id === "string" ? this.uploads.get(f.id) : undefined));
        if (found.some((u) => !u || !u.bytes || u.completed)) return { ok: false, error: "file_not_found" };
        if (found.some((u) => u!.bytes!.length !== u!.length)) return { ok: false, error: "file_upload_size_mismatch" };
        // Where to share: channel_id, and/or `channels` (comma-separated); neither keeps the file private.
        const channelId = typeof args.channel_id === "string" && args.channel_id ? args.channel_id : undefined;
        const listed = typeof args.channels === "string" ? args.channels.split(",").map((c) => c.trim()).filter(Boolean) : [];
        const destinations = [...new Set([...(channelId ? [channelId] : []), ...listed])].map((c) => (/^[UW]/.test(c) ? this.openDm(c) : c));
        if (destinations.some((c) => !this.isKnownChannel(c))) return { ok: false, error: "channel_not_found" };
        const initialComment = typeof args.initial_comment === "string" ? args.initial_comment : undefined;
        const threadTs = typeof args.thread_ts === "string" ? args.thread_ts : undefined;
        if (threadTs && destinations.length !== 1) return { ok: false, error: "invalid_arguments" };
        const shared: SlackFileObject[] = [];
        const posts = destinations.map((channel) => ({ channel, ts: this.nextTs() }));
        entries.forEach((entry, i) => {
          const upload = found[i]!;
          const title = typeof entry.title === "string" ? entry.title : upload.filename;
          upload.completed = { title, channelId: destinations[0], initialComment, threadTs, at: Date.now() };
          const mimetype = sniffMime(upload.bytes!, upload.filename);
          const stored: StoredFile = { id: upload.fileId, name: upload.filename, mimetype, filetype: upload.filename.split(".").pop()?.toLowerCase() ?? "binary", bytes: upload.bytes!, user: this.botUserId };
          this.files.set(upload.fileId, stored);
          for (const post of posts) this.sharedFiles.push({ fileId: upload.fileId, channel: post.channel, filename: upload.filename, title, bytes: upload.bytes!, mimetype, initialComment, ts: post.ts });
          shared.push({ ...this.fileObject(stored), title });
        });
        for (const post of posts) this.messages.push({ channel: post.channel, ts: post.ts, text: initialComment, threadTs, edits: 0, files: shared.map((f) => f.id) });
        return { ok: true, files: shared.map((f) => ({ id: f.id, title: f.title })) };
      }
      case "files.info": {
        const file = typeof args.file === "string" ? this.files.get(args.file) : undefined;
        if (!file) return { ok: false, error: "file_not_found" };
        return { ok: true, file: this.fileObject(file) };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  private useTrigger(triggerId: unknown): string | undefined {
    if (typeof triggerId !== "string") return "invalid_trigger_id";
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return "invalid_trigger_id";
    if (trigger.used || Date.now() - trigger.issuedAt > TRIGGER_TTL_MS) return "expired_trigger_id";
    trigger.used = true;
    return undefined;
  }

  private storeView(view: unknown, via: string, id?: string, userId?: string): Record<string, unknown> {
    if (!view || typeof view !== "object") return { ok: false, error: "invalid_arguments" };
    const v = view as SlackView;
    if (!["modal", "home"].includes(v.type)) return { ok: false, error: "invalid_arguments" };
    if (!Array.isArray(v.blocks)) return { ok: false, error: "invalid_arguments" };
    if (v.type === "modal" && (!v.title || String(v.title.text ?? "").length > 24)) return { ok: false, error: "invalid_arguments" };
    if (typeof v.private_metadata === "string" && v.private_metadata.length > 3000) return { ok: false, error: "invalid_arguments" };
    if (v.blocks.length > 100) return { ok: false, error: "invalid_blocks" };
    const viewId = id ?? `V${this.nextId()}`;
    this.views.set(viewId, { id: viewId, view: v, via, userId: userId ?? this.views.get(viewId)?.userId });
    return {
      ok: true,
      view: {
        id: viewId,
        team_id: this.teamId,
        type: v.type,
        blocks: v.blocks,
        private_metadata: v.private_metadata ?? "",
        callback_id: v.callback_id ?? "",
        state: { values: {} },
        hash: `${Date.now()}.${randomBytes(4).toString("hex")}`,
        title: v.title,
        clear_on_close: false,
        notify_on_close: false,
        close: v.close ?? null,
        submit: v.submit ?? null,
        root_view_id: viewId,
        previous_view_id: null,
        app_id: this.appId,
        external_id: "",
        app_installed_team_id: this.teamId,
        bot_id: this.botId,
      },
    };
  }

  /** A channel the bot can share in: a DM it opened, or a channel named C…/G… (the bot is in every one here). */
  private isKnownChannel(id: string): boolean {
    return [...this.dmChannels.values()].includes(id) || /^[CG][A-Z0-9]+$/.test(id);
  }

  private openDm(userId: string): string {
    let id = this.dmChannels.get(userId);
    if (!id) {
      id = `D${this.nextId()}`;
      this.dmChannels.set(userId, id);
    }
    return id;
  }

  private messageObject(m: PostedMessage): Record<string, unknown> {
    return { type: "message", user: this.botUserId, bot_id: this.botId, app_id: this.appId, text: m.text ?? "", blocks: m.blocks, ts: m.ts, team: this.teamId };
  }

  private fileObject(f: StoredFile): SlackFileObject {
    const now = Math.floor(Date.now() / 1000);
    return {
      id: f.id,
      created: now,
      timestamp: now,
      name: f.name,
      title: f.name,
      mimetype: f.mimetype,
      filetype: f.filetype,
      pretty_type: f.filetype.toUpperCase(),
      user: f.user,
      user_team: this.teamId,
      size: f.bytes.length,
      mode: "hosted",
      is_external: false,
      is_public: false,
      url_private: `${this.base}/files-pri/${this.teamId}-${f.id}/${encodeURIComponent(f.name)}`,
      url_private_download: `${this.base}/files-pri/${this.teamId}-${f.id}/download/${encodeURIComponent(f.name)}`,
      permalink: `https://${this.teamDomain}.slack.com/files/${f.user}/${f.id}/${encodeURIComponent(f.name)}`,
    };
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsCounter).padStart(6, "0")}`;
  }

  private nextId(): string {
    this.idCounter += 1;
    return `${Date.now().toString(36).toUpperCase()}${String(this.idCounter).padStart(4, "0")}`;
  }
}

export interface SlackFileObject {
  id: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  user: string;
  user_team: string;
  size: number;
  mode: string;
  is_external: boolean;
  is_public: boolean;
  url_private: string;
  url_private_download: string;
  permalink: string;
}

export async function startSlackStandIn(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
  return new SlackStandIn(options).start();
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** A file's type by its first bytes, as Slack decides it, else by its name. */
function sniffMime(bytes: Uint8Array, name: string): string {
  if (bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  return name.endsWith(".txt") ? "text/plain" : "application/octet-stream";
}

/** Form bodies carry structured arguments (blocks, view) as JSON strings; JSON bodies carry them as is. */
function parseArgs(req: IncomingMessage, raw: Buffer): Record<string, unknown> {
  const type = req.headers["content-type"] ?? "";
  const text = raw.toString("utf8");
  if (type.includes("application/json")) {
    try {
      return JSON.parse(text || "{}") as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  const args: Record<string, unknown> = {};
  const query = new URL(req.url ?? "/", "http://x").searchParams;
  for (const [k, v] of query) args[k] = v;
  for (const [k, v] of new URLSearchParams(text)) {
    if (["blocks", "attachments", "view", "metadata", "files"].includes(k) && /^[[{]/.test(v)) {
      try {
        args[k] = JSON.parse(v);
        continue;
      } catch {
        // left as text: Slack would answer invalid_blocks / invalid_arguments
      }
    }
    args[k] = v;
  }
  return args;
}

function hasContent(args: Record<string, unknown>): boolean {
  return (typeof args.text === "string" && args.text.length > 0) || (Array.isArray(args.blocks) && args.blocks.length > 0);
}

function checkBlocks(blocks: unknown): SlackBlock[] | undefined | "invalid" {
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks) || blocks.length > 50) return "invalid";
  for (const b of blocks) if (!b || typeof b !== "object" || typeof (b as SlackBlock).type !== "string") return "invalid";
  return blocks as SlackBlock[];
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

// ---- what Slack sends to the app ----------------------------------------------------------

/** Slack's v0 request signature: HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret. */
export function signSlackRequest(signingSecret: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = createHmac("sha256", signingSecret).update(`v0:${timestampSeconds}:${body}`).digest("hex");
  return { "x-slack-request-timestamp": String(timestampSeconds), "x-slack-signature": `v0=${signature}` };
}

export interface SignedPostOptions {
  signingSecret: string;
  /** Override the timestamp (a replay is an old one). */
  timestampSeconds?: number;
  /** Override the signature header (a forgery). */
  signature?: string;
  contentType?: string;
  timeoutMs?: number;
}

export interface AppResponse {
  status: number;
  text: string;
  json?: Record<string, unknown>;
  ms: number;
}

/** POSTs a body to the app the way Slack does: signed, form-encoded unless told otherwise. */
export async function postSigned(endpoint: string, body: string, options: SignedPostOptions): Promise<AppResponse> {
  const headers: Record<string, string> = {
    "content-type": options.contentType ?? "application/x-www-form-urlencoded",
    ...signSlackRequest(options.signingSecret, body, options.timestampSeconds),
  };
  if (options.signature !== undefined) headers["x-slack-signature"] = options.signature;
  const started = performance.now();
  const response = await fetch(endpoint, { method: "POST", headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
  const text = await response.text();
  const ms = performance.now() - started;
  let json: Record<string, unknown> | undefined;
  if (text && (response.headers.get("content-type") ?? "").includes("json")) json = JSON.parse(text) as Record<string, unknown>;
  return { status: response.status, text, json, ms };
}

export interface SlackUser {
  id: string;
  name?: string;
}

/**
 * Where a request comes from beyond the workspace, as Slack's payloads say it: an Enterprise
 * organization (`enterprise_id` / `enterprise`, `team.enterprise_id`), an organization-wide install
 * (`is_enterprise_install`, and `team: null` on interactions), and the user's own team
 * (`user.team_id`: the organization id E… inside one, another organization's team for a Slack
 * Connect member). Left out, the request comes from a plain workspace, the user one of its members.
 */
export interface OrgContext {
  enterprise?: { id: string; name: string };
  /** An organization-wide install: interaction payloads then carry `team: null`. */
  isEnterpriseInstall?: boolean;
  /** user.team_id on interactions; by default the organization id inside one, else the team. */
  userTeamId?: string;
}

function interactionOrg(teamId: string, teamDomain: string, org: OrgContext = {}) {
  const team = org.isEnterpriseInstall
    ? null
    : { id: teamId, domain: teamDomain, ...(org.enterprise ? { enterprise_id: org.enterprise.id, enterprise_name: org.enterprise.name } : {}) };
  return {
    team,
    userTeamId: org.userTeamId ?? org.enterprise?.id ?? teamId,
    enterprise: org.enterprise ? { id: org.enterprise.id, name: org.enterprise.name } : null,
    is_enterprise_install: org.isEnterpriseInstall ?? false,
  };
}

export interface SlashCommandInput {
  teamId: string;
  teamDomain?: string;
  org?: OrgContext;
  user: SlackUser;
  command: string;
  text: string;
  channelId?: string;
  channelName?: string;
  responseUrl: string;
  triggerId: string;
  appId?: string;
}

/** The fields of a slash command, as documented (over Socket Mode they arrive as this object). */
export function slashCommandPayload(input: SlashCommandInput): Record<string, string> {
  return {
    token: "deprecated-verification-token",
    team_id: input.teamId,
    team_domain: input.teamDomain ?? "creditdesk-test",
    channel_id: input.channelId ?? "C0GENERAL1",
    channel_name: input.channelName ?? "general",
    user_id: input.user.id,
    user_name: input.user.name ?? input.user.id.toLowerCase(),
    ...(input.org?.enterprise ? { enterprise_id: input.org.enterprise.id, enterprise_name: input.org.enterprise.name } : {}),
    command: input.command,
    text: input.text,
    api_app_id: input.appId ?? "A0CREDIT01",
    is_enterprise_install: input.org?.isEnterpriseInstall ? "true" : "false",
    response_url: input.responseUrl,
    trigger_id: input.triggerId,
  };
}

/** A slash command request body: form-encoded, as Slack posts it over HTTP. */
export function slashCommandBody(input: SlashCommandInput): string {
  return new URLSearchParams(slashCommandPayload(input)).toString();
}

/** Interaction payloads arrive form-encoded as `payload=<JSON>`. */
export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A button element as found in a posted message or view the app rendered. */
export interface FoundButton {
  action_id: string;
  block_id: string;
  value?: string;
  text: { type: string; text: string };
  style?: string;
  confirm?: Record<string, unknown>;
}

/** Every button in a list of blocks (actions blocks and section accessories). */
export function buttonsIn(blocks: SlackBlock[] | undefined): FoundButton[] {
  const found: FoundButton[] = [];
  for (const block of blocks ?? []) {
    const elements: SlackBlock[] = block.type === "actions" ? block.elements ?? [] : block.accessory ? [block.accessory] : [];
    for (const e of elements) {
      if (e.type === "button") found.push({ ...(e as FoundButton), block_id: block.block_id ?? "" });
    }
  }
  return found;
}

/** All visible text of a list of blocks, for assertions on what a person would read. */
export function textOf(blocks: SlackBlock[] | undefined, fallback?: string): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach(walk);
    const n = node as SlackBlock;
    if ((n.type === "plain_text" || n.type === "mrkdwn") && typeof n.text === "string") parts.push(n.text);
    for (const [k, v] of Object.entries(n)) if (k !== "text" || typeof v !== "string") walk(v);
  };
  walk(blocks ?? []);
  if (parts.length === 0 && fallback) parts.push(fallback);
  return parts.join("\n");
}

/** A block_actions payload for a button click on a message (as documented for block_actions). */
export function blockActionsPayload(input: {
  teamId: string;
  teamDomain?: string;
  user: SlackUser;
  button: FoundButton;
  triggerId: string;
  /** Where the button was: a message in a channel, or a view (modal / App Home). */
  container:
    | { type: "message"; channelId: string; messageTs: string; isEphemeral?: boolean; responseUrl: string; message?: Record<string, unknown> }
    | { type: "view"; view: SlackView & { id: string } };
  appId?: string;
  org?: OrgContext;
}): Record<string, unknown> {
  const org = interactionOrg(input.teamId, input.teamDomain ?? "creditdesk-test", input.org);
  const action = {
    type: "button",
    action_id: input.button.action_id,
    block_id: input.button.block_id,
    text: input.button.text,
    value: input.button.value,
    ...(input.button.style ? { style: input.button.style } : {}),
    action_ts: `${(Date.now() / 1000).toFixed(6)}`,
  };
  const base = {
    type: "block_actions",
    user: { id: input.user.id, username: input.user.name ?? input.user.id.toLowerCase(), name: input.user.name ?? input.user.id.toLowerCase(), team_id: org.userTeamId },
    api_app_id: input.appId ?? "A0CREDIT01",
    token: "deprecated-verification-token",
    trigger_id: input.triggerId,
    team: org.team,
    enterprise: org.enterprise,
    is_enterprise_install: org.is_enterprise_install,
    actions: [action],
  };
  if (input.container.type === "message") {
    const c = input.container;
    return {
      ...base,
      container: { type: "message", message_ts: c.messageTs, channel_id: c.channelId, is_ephemeral: c.isEphemeral ?? false },
      channel: { id: c.channelId, name: c.channelId.startsWith("D") ? "directmessage" : "support" },
      ...(c.isEphemeral ? {} : { message: c.message ?? { type: "message", ts: c.messageTs, text: "" } }),
      state: { values: {} },
      response_url: c.responseUrl,
    };
  }
  const view = input.container.view;
  return {
    ...base,
    container: { type: "view", view_id: view.id },
    view: { team_id: input.teamId, state: { values: {} }, hash: "h", private_metadata: "", callback_id: "", ...view },
  };
}

/** The value Slack reports for one input element of a submitted view. */
export type ViewStateValue =
  | { type: "plain_text_input"; value: string | null }
  | { type: "number_input"; value: string | null }
  | { type: "static_select"; selected_option: { text: { type: "plain_text"; text: string }; value: string } | null }
  | { type: "file_input"; files: SlackFileObject[] };

/**
 * Fills the input blocks of a view the app opened, by the action_id of their elements: strings
 * for text inputs, option values for selects, file objects for file inputs. Inputs left out are
 * submitted empty, as Slack does.
 */
export function stateFor(view: SlackView, values: Record<string, string | SlackFileObject[] | undefined>): Record<string, Record<string, ViewStateValue>> {
  const state: Record<string, Record<string, ViewStateValue>> = {};
  for (const block of view.blocks as SlackBlock[]) {
    if (block.type !== "input") continue;
    const element = block.element as SlackBlock;
    const given = values[element.action_id];
    let value: ViewStateValue;
    switch (element.type) {
      case "static_select": {
        const option = (element.options as SlackBlock[]).find((o) => o.value === given);
        if (given !== undefined && !option) throw new Error(`no option ${String(given)} in ${element.action_id}`);
        value = { type: "static_select", selected_option: option ? { text: option.text, value: option.value } : null };
        break;
      }
      case "file_input":
        value = { type: "file_input", files: Array.isArray(given) ? given : [] };
        break;
      case "number_input":
        value = { type: "number_input", value: typeof given === "string" ? given : null };
        break;
      default:
        value = { type: "plain_text_input", value: typeof given === "string" ? given : null };
    }
    state[block.block_id] = { [element.action_id]: value };
  }
  return state;
}

/** A view_submission payload for a view the app opened (as documented for view_submission). */
export function viewSubmissionPayload(input: {
  teamId: string;
  teamDomain?: string;
  user: SlackUser;
  viewId: string;
  view: SlackView;
  values: Record<string, Record<string, ViewStateValue>>;
  triggerId: string;
  appId?: string;
  org?: OrgContext;
}): Record<string, unknown> {
  const org = interactionOrg(input.teamId, input.teamDomain ?? "creditdesk-test", input.org);
  return {
    type: "view_submission",
    team: org.team,
    user: { id: input.user.id, username: input.user.name ?? input.user.id.toLowerCase(), name: input.user.name ?? input.user.id.toLowerCase(), team_id: org.userTeamId },
    api_app_id: input.appId ?? "A0CREDIT01",
    token: "deprecated-verification-token",
    trigger_id: input.triggerId,
    view: {
      id: input.viewId,
      team_id: input.teamId,
      type: "modal",
      blocks: input.view.blocks,
      private_metadata: input.view.private_metadata ?? "",
      callback_id: input.view.callback_id ?? "",
      state: { values: input.values },
      hash: `${Date.now()}.abcdef`,
      title: input.view.title,
      clear_on_close: false,
      notify_on_close: false,
      close: input.view.close ?? null,
      submit: input.view.submit ?? null,
      previous_view_id: null,
      root_view_id: input.viewId,
      app_id: input.appId ?? "A0CREDIT01",
      external_id: "",
      app_installed_team_id: input.teamId,
      bot_id: "B0BOT00001",
    },
    response_urls: [],
    is_enterprise_install: org.is_enterprise_install,
    enterprise: org.enterprise,
  };
}

/** An Events API callback (JSON body) such as app_home_opened. */
export function eventCallbackBody(input: { teamId: string; appId?: string; event: Record<string, unknown>; org?: OrgContext }): string {
  const enterpriseId = input.org?.enterprise?.id ?? null;
  return JSON.stringify({
    token: "deprecated-verification-token",
    team_id: input.teamId,
    ...(enterpriseId ? { enterprise_id: enterpriseId, context_team_id: input.teamId, context_enterprise_id: enterpriseId } : {}),
    api_app_id: input.appId ?? "A0CREDIT01",
    event: input.event,
    type: "event_callback",
    event_id: `Ev${randomBytes(5).toString("hex").toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: enterpriseId, team_id: input.teamId, user_id: "U0BOT00001", is_bot: true, is_enterprise_install: input.org?.isEnterpriseInstall ?? false }],
    is_ext_shared_channel: false,
  });
}
