import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  ComponentType,
  GatewayDispatchEvents,
  GatewayOpcodes,
  InteractionContextType,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  type APIAttachment,
  type APIChatInputApplicationCommandInteraction,
  type APIGuildMember,
  type APIInteraction,
  type APIMessage,
  type APIMessageComponentInteraction,
  type APIModalInteractionResponseCallbackData,
  type APIModalSubmitInteraction,
  type APIModalSubmissionComponent,
  type APIRole,
  type APIUser,
} from "discord.js";

/**
 * Stand-ins for Discord: a REST server for discord.js's `rest.api` option (it calls
 * `${api}/v10/...`) that records every call and keeps the messages it was asked to post, a CDN
 * path that serves attachments, and a gateway (v10, JSON encoding, no compression) that
 * identifies the bot and dispatches INTERACTION_CREATE payloads shaped as Discord sends them.
 * Only what the adapter uses is served; anything else answers 404 and stays in `calls`.
 */

export interface RecordedCall {
  method: string;
  /** Path after /api/v10, without the query. */
  path: string;
  query: URLSearchParams;
  /** JSON body, or payload_json of a multipart body. */
  body: any;
  files: { field: string; name: string; type: string; bytes: Uint8Array }[];
  status: number;
  at: number;
}

export interface InteractionRecord {
  payload: APIInteraction;
  dispatchedAt: number;
  callbacks: { type: InteractionResponseType; data: any; at: number; withResponse: string | null }[];
  /** The message an interaction answered with (type 4/5), or edited (type 6/7). */
  originalMessageId?: string;
  sourceMessageId?: string;
}

export interface RateLimitRule {
  method: string;
  path: RegExp;
  remaining: number;
  retryAfterSeconds: number;
  scope: "user" | "global" | "shared";
}

export interface StandInUser extends APIUser {}

/** Who sends an interaction, and from where (see `base`). */
export interface Who {
  user: APIUser;
  roles?: string[];
  locale?: string;
  inDm?: boolean;
  guildId?: string;
}

export interface DiscordStandInOptions {
  token: string;
  applicationId: string;
  guildId: string;
  supportChannelId: string;
  /** Roles of the guild other than @everyone. */
  roles: { id: string; name: string }[];
  /** Discord answers "Unknown interaction" to a callback later than this. */
  interactionDeadlineMs?: number;
}

const EMPTY_MESSAGE = "Cannot send an empty message";
/** Discord checks enforce_nonce "in the past few minutes"; the stand-in keeps two. */
const NONCE_WINDOW_MS = 120_000;

let snowflakeCounter = 1_300_000_000_000_000_000n;
export function snowflake(): string {
  snowflakeCounter += 1n + BigInt(Math.floor(Math.random() * 1000));
  return snowflakeCounter.toString();
}

export function discordUser(id: string, username: string): APIUser {
  return { id, username, discriminator: "0", global_name: username, avatar: null };
}

export class DiscordStandIn {
  readonly calls: RecordedCall[] = [];
  readonly interactions = new Map<string, InteractionRecord>();
  readonly messages = new Map<string, APIMessage>();
  /** The nonces of messages created with enforce_nonce: the message each made, and when. */
  private readonly nonces = new Map<string, { id: string; at: number }>();
  readonly identifies: any[] = [];
  readonly gatewayQueries: string[] = [];
  readonly botUser: APIUser;
  private readonly cdn = new Map<string, { bytes: Uint8Array; type: string }>();
  private readonly redirects = new Map<string, { location: string; status: number }>();
  /** Every GET of the CDN path, in order: what the adapter downloaded. */
  readonly cdnRequests: string[] = [];
  private readonly dmChannels = new Map<string, string>();
  private readonly otherChannels = new Map<string, string>();
  private readonly blockedDmUsers = new Set<string>();
  private readonly rateLimits: RateLimitRule[] = [];
  private readonly sockets = new Set<WebSocket>();
  private readonly roles: APIRole[];
  private http!: Server;
  private gateway!: WebSocketServer;
  private seq = 0;
  private commandId = snowflake();
  restBase = "";
  gatewayUrl = "";

  constructor(readonly options: DiscordStandInOptions) {
    this.botUser = { ...discordUser(options.applicationId, "Credit Desk"), bot: true };
    const role = (id: string, name: string, position: number): APIRole => ({
      id, name, color: 0, colors: { primary_color: 0, secondary_color: null, tertiary_color: null }, hoist: false, icon: null, unicode_emoji: null,
      position, permissions: "0", managed: false, mentionable: false, flags: 0 as APIRole["flags"],
    });
    this.roles = [role(options.guildId, "@everyone", 0), ...options.roles.map((r, i) => role(r.id, r.name, i + 1))];
  }

  async start(): Promise<void> {
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        const empty = err instanceof Error && err.message === EMPTY_MESSAGE;
        const last = this.calls.at(-1);
        if (last && last.status === 0) last.status = empty ? 400 : 500;
        send(res, empty ? 400 : 500, { message: empty ? EMPTY_MESSAGE : String(err), code: empty ? 50006 : 0 });
      });
    });
    await new Promise<void>((resolve) => this.http.listen(0, "127.0.0.1", resolve));
    this.restBase = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;

    this.gateway = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => this.gateway.once("listening", resolve));
    this.gatewayUrl = `ws://127.0.0.1:${(this.gateway.address() as AddressInfo).port}`;
    this.gateway.on("connection", (socket, req) => this.onGatewayConnection(socket, req));
  }

  /** The value for DISCORD_API_URL: discord.js appends /v10. */
  get apiUrl(): string {
    return `${this.restBase}/api`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.gateway.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  // ---- test controls ----

  /** Serve a file on the CDN path and describe it as Discord's resolved attachment. */
  addAttachment(filename: string, bytes: Uint8Array, contentType: string): APIAttachment {
    const id = snowflake();
    const path = `/attachments/${this.options.supportChannelId}/${id}/${filename}`;
    this.cdn.set(path, { bytes, type: contentType });
    const expires = Math.floor(Date.now() / 1000 + 86400).toString(16);
    return {
      id, filename, size: bytes.length, content_type: contentType,
      url: `${this.restBase}${path}?ex=${expires}&is=${expires}&hm=standin`,
      proxy_url: `${this.restBase}${path}?ex=${expires}`,
      ephemeral: true,
    };
  }

  /**
   * An attachment whose CDN link answers a redirect to `location` (with the given status) instead
   * of the file: what a CDN, or anything pretending to be one, may answer.
   */
  addRedirectingAttachment(filename: string, location: string, contentType: string, status = 302): APIAttachment {
    const attachment = this.addAttachment(filename, new Uint8Array(0), contentType);
    const path = new URL(attachment.url).pathname;
    this.cdn.delete(path);
    this.redirects.set(path, { location, status });
    return attachment;
  }

  /** Messages to this user's DM channel answer 50007, as when the user has DMs closed. */
  blockDms(userId: string): void {
    this.blockedDmUsers.add(userId);
  }

  /** The next `count` calls matching method + path answer 429 with retry_after. */
  rateLimitNext(method: string, path: RegExp, count: number, retryAfterSeconds: number, scope: RateLimitRule["scope"] = "user"): void {
    this.rateLimits.push({ method, path, remaining: count, retryAfterSeconds, scope });
  }

  callsTo(method: string, path: RegExp): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path));
  }

  messagesIn(channelId: string): APIMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId);
  }

  dmChannelOf(userId: string): string | undefined {
    return this.dmChannels.get(userId);
  }

  // ---- gateway ----

  private onGatewayConnection(socket: WebSocket, req: IncomingMessage): void {
    this.sockets.add(socket);
    this.gatewayQueries.push(req.url ?? "");
    socket.on("close", () => this.sockets.delete(socket));
    socket.send(JSON.stringify({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
    socket.on("message", (raw) => {
      const packet = JSON.parse(String(raw));
      if (packet.op === GatewayOpcodes.Heartbeat) {
        socket.send(JSON.stringify({ op: GatewayOpcodes.HeartbeatAck, d: null, s: null, t: null }));
      } else if (packet.op === GatewayOpcodes.Identify) {
        this.identifies.push(packet.d);
        if (packet.d.token !== this.options.token) {
          socket.close(4004, "Authentication failed.");
          return;
        }
        this.onIdentify(socket);
      } else if (packet.op === GatewayOpcodes.Resume) {
        this.sendDispatch(socket, GatewayDispatchEvents.Resumed, {});
      }
    });
  }

  private onIdentify(socket: WebSocket): void {
    const { guildId, applicationId, supportChannelId } = this.options;
    this.sendDispatch(socket, GatewayDispatchEvents.Ready, {
      v: 10,
      user: { ...this.botUser, verified: true, mfa_enabled: false, flags: 0 },
      guilds: [{ id: guildId, unavailable: true }],
      session_id: `session-${snowflake()}`,
      resume_gateway_url: this.gatewayUrl,
      shard: [0, 1],
      application: { id: applicationId, flags: 0 },
    });
    this.sendDispatch(socket, GatewayDispatchEvents.GuildCreate, {
      id: guildId, name: "Credit Desk Test Guild", icon: null, splash: null, discovery_splash: null, owner_id: "1",
      afk_channel_id: null, afk_timeout: 300, verification_level: 0, default_message_notifications: 0,
      explicit_content_filter: 0, roles: this.roles, emojis: [], stickers: [], features: [], mfa_level: 0,
      application_id: null, system_channel_id: null, system_channel_flags: 0, rules_channel_id: null,
      vanity_url_code: null, description: null, banner: null, premium_tier: 0, preferred_locale: "en-US",
      public_updates_channel_id: null, nsfw_level: 0, premium_progress_bar_enabled: false, safety_alerts_channel_id: null,
      joined_at: new Date().toISOString(), large: false, unavailable: false, member_count: 3,
      voice_states: [], members: [], presences: [], threads: [], stage_instances: [], guild_scheduled_events: [],
      soundboard_sounds: [],
      channels: [{ id: supportChannelId, type: ChannelType.GuildText, guild_id: guildId, name: "billing-support", position: 0, permission_overwrites: [], nsfw: false, parent_id: null, topic: null, last_message_id: null, rate_limit_per_user: 0 }],
    });
  }

  private sendDispatch(socket: WebSocket, t: string, d: unknown): void {
    this.seq += 1;
    socket.send(JSON.stringify({ op: GatewayOpcodes.Dispatch, t, s: this.seq, d }));
  }

  /** Sends INTERACTION_CREATE to every identified connection. */
  dispatchInteraction(payload: APIInteraction): InteractionRecord {
    const record: InteractionRecord = { payload, dispatchedAt: Date.now(), callbacks: [] };
    if (payload.type === InteractionType.MessageComponent) record.sourceMessageId = payload.message.id;
    if (payload.type === InteractionType.ModalSubmit && payload.message) record.sourceMessageId = payload.message.id;
    this.interactions.set(payload.id, record);
    if (this.sockets.size === 0) throw new Error("no gateway connection");
    for (const socket of this.sockets) this.sendDispatch(socket, GatewayDispatchEvents.InteractionCreate, payload);
    return record;
  }

  /** Waits (bounded) until the interaction was answered and, when asked, its reply was edited. */
  async waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  // ---- interaction payloads in Discord's shape ----

  member(user: APIUser, roleIds: string[]): APIGuildMember & { permissions: string } {
    return {
      user, roles: roleIds, nick: null, avatar: null, banner: null, joined_at: "2024-01-01T00:00:00.000Z", premium_since: null,
      deaf: false, mute: false, flags: 0 as APIGuildMember["flags"], pending: false, communication_disabled_until: null, permissions: "2248473465835073",
    };
  }

  /**
   * The fields every interaction carries. `inDm`: from the user's DM with the bot (context BotDM,
   * no guild, `user` instead of `member`). `guildId`: from another guild than the stand-in's own
   * (one the bot is in but was not told to serve), in a text channel of that guild.
   */
  private base(type: InteractionType, who: Who) {
    const common = {
      id: snowflake(), application_id: this.options.applicationId, type, token: `tok-${snowflake()}`, version: 1 as const,
      locale: who.locale ?? "en-US", app_permissions: "2248473465835073", entitlements: [], attachment_size_limit: 10_485_760,
    };
    if (who.inDm) {
      const channelId = this.dmChannel(who.user.id);
      return {
        ...common, user: who.user, context: InteractionContextType.BotDM,
        channel: { id: channelId, type: ChannelType.DM }, channel_id: channelId,
        authorizing_integration_owners: { "1": who.user.id },
      };
    }
    const guildId = who.guildId ?? this.options.guildId;
    const channel = guildId === this.options.guildId
      ? { id: this.options.supportChannelId, type: ChannelType.GuildText, guild_id: guildId, name: "billing-support" }
      : { id: this.otherGuildChannel(guildId), type: ChannelType.GuildText, guild_id: guildId, name: "general" };
    return {
      ...common, guild_id: guildId, guild_locale: "en-US", guild: { id: guildId, locale: "en-US", features: [] },
      member: this.member(who.user, who.roles ?? []), context: InteractionContextType.Guild,
      channel, channel_id: channel.id,
      authorizing_integration_owners: { "0": guildId },
    };
  }

  private otherGuildChannel(guildId: string): string {
    let id = this.otherChannels.get(guildId);
    if (!id) {
      id = snowflake();
      this.otherChannels.set(guildId, id);
    }
    return id;
  }

  slashCommand(who: Who, subcommand: string,
    options: { name: string; value: string | number; type?: ApplicationCommandOptionType }[] = [],
    attachments: Record<string, APIAttachment> = {}): APIChatInputApplicationCommandInteraction {
    const sub = {
      type: ApplicationCommandOptionType.Subcommand as const,
      name: subcommand,
      options: [
        ...options.map((o) => ({ type: o.type ?? ApplicationCommandOptionType.String, name: o.name, value: o.value })),
        ...Object.entries(attachments).map(([name, a]) => ({ type: ApplicationCommandOptionType.Attachment, name, value: a.id })),
      ],
    };
    const resolved = Object.keys(attachments).length
      ? { attachments: Object.fromEntries(Object.values(attachments).map((a) => [a.id, a])) }
      : undefined;
    return {
      ...this.base(InteractionType.ApplicationCommand, who),
      data: {
        id: this.commandId, name: "credits", type: ApplicationCommandType.ChatInput,
        ...(who.inDm ? {} : { guild_id: who.guildId ?? this.options.guildId }),
        options: [sub as any], ...(resolved ? { resolved } : {}),
      },
    } as unknown as APIChatInputApplicationCommandInteraction;
  }

  /** A click on a button of a message the bot posted (looked up by id, as Discord sends it whole). */
  buttonClick(who: Who, messageId: string, customId: string): APIMessageComponentInteraction {
    const message = this.messages.get(messageId);
    if (!message) throw new Error(`no message ${messageId}`);
    const present = message.components?.some((row: any) => row.components?.some((c: any) => c.custom_id === customId));
    if (!present) throw new Error(`message ${messageId} has no component ${customId}`);
    return {
      ...this.base(InteractionType.MessageComponent, who),
      message,
      data: { custom_id: customId, component_type: ComponentType.Button },
    } as unknown as APIMessageComponentInteraction;
  }

  /**
   * Submits a modal the bot showed: walks its labels as Discord does and answers each inner
   * component by custom_id. File uploads carry attachment ids, resolved in data.resolved.
   */
  modalSubmit(who: Who, modal: APIModalInteractionResponseCallbackData,
    values: Record<string, string | string[] | APIAttachment[]>, sourceMessageId?: string): APIModalSubmitInteraction {
    const attachments: Record<string, APIAttachment> = {};
    const components: APIModalSubmissionComponent[] = [];
    for (const top of modal.components as any[]) {
      if (top.type === ComponentType.TextDisplay) {
        components.push({ type: ComponentType.TextDisplay, id: top.id ?? 0 } as any);
        continue;
      }
      if (top.type !== ComponentType.Label) throw new Error(`modal has a top-level component of type ${top.type}; labels expected`);
      const inner = top.component;
      const given = values[inner.custom_id];
      let submitted: any;
      if (inner.type === ComponentType.TextInput) {
        submitted = { type: inner.type, id: inner.id ?? 0, custom_id: inner.custom_id, value: typeof given === "string" ? given : "" };
      } else if (inner.type === ComponentType.StringSelect) {
        const picked = given === undefined ? [] : Array.isArray(given) ? (given as string[]) : [given];
        for (const v of picked) if (!inner.options.some((o: any) => o.value === v)) throw new Error(`no option ${v} in ${inner.custom_id}`);
        submitted = { type: inner.type, id: inner.id ?? 0, custom_id: inner.custom_id, values: picked };
      } else if (inner.type === ComponentType.FileUpload) {
        const files = (given ?? []) as APIAttachment[];
        for (const f of files) attachments[f.id] = f;
        submitted = { type: inner.type, id: inner.id ?? 0, custom_id: inner.custom_id, values: files.map((f) => f.id) };
      } else {
        throw new Error(`unsupported modal component ${inner.type}`);
      }
      components.push({ type: ComponentType.Label, id: top.id ?? 0, component: submitted });
    }
    const message = sourceMessageId ? this.messages.get(sourceMessageId) : undefined;
    return {
      ...this.base(InteractionType.ModalSubmit, who),
      ...(message ? { message } : {}),
      data: {
        custom_id: modal.custom_id,
        components,
        ...(Object.keys(attachments).length ? { resolved: { attachments } } : {}),
      },
    } as unknown as APIModalSubmitInteraction;
  }

  // ---- REST ----

  private dmChannel(userId: string): string {
    let id = this.dmChannels.get(userId);
    if (!id) {
      id = snowflake();
      this.dmChannels.set(userId, id);
    }
    return id;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.restBase);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);

    if (req.method === "GET" && url.pathname.startsWith("/attachments/")) {
      this.cdnRequests.push(url.pathname);
      const redirect = this.redirects.get(url.pathname);
      if (redirect) {
        res.writeHead(redirect.status, { location: redirect.location, "content-length": "0" });
        res.end();
        return;
      }
      const file = this.cdn.get(url.pathname);
      if (!file) return send(res, 404, { message: "Not found" });
      res.writeHead(200, { "content-type": file.type, "content-length": String(file.bytes.length) });
      res.end(Buffer.from(file.bytes));
      return;
    }

    const prefix = "/api/v10";
    const pathname = decodeURIComponent(url.pathname);
    const path = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : pathname;
    const call: RecordedCall = { method: req.method ?? "GET", path, query: url.searchParams, body: undefined, files: [], status: 0, at: Date.now() };
    this.calls.push(call);
    const contentType = req.headers["content-type"] ?? "";
    if (contentType.startsWith("multipart/form-data")) {
      const form = await new Response(raw, { headers: { "content-type": contentType } }).formData();
      for (const [field, value] of form.entries()) {
        if (field === "payload_json") call.body = JSON.parse(String(value));
        else if (typeof value !== "string") call.files.push({ field, name: value.name, type: value.type, bytes: new Uint8Array(await value.arrayBuffer()) });
      }
    } else if (raw.length) {
      call.body = JSON.parse(raw.toString("utf8"));
    }
    const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      send(res, status, body, headers);
    };

    const limited = this.rateLimits.find((r) => r.remaining > 0 && r.method === call.method && r.path.test(path));
    if (limited) {
      limited.remaining -= 1;
      return reply(429, { message: "You are being rate limited.", retry_after: limited.retryAfterSeconds, global: limited.scope === "global" }, {
        "retry-after": String(Math.ceil(limited.retryAfterSeconds)),
        "x-ratelimit-limit": "5",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Date.now() / 1000 + limited.retryAfterSeconds),
        "x-ratelimit-reset-after": String(limited.retryAfterSeconds),
        "x-ratelimit-bucket": "standin-bucket",
        "x-ratelimit-scope": limited.scope,
        ...(limited.scope === "global" ? { "x-ratelimit-global": "true" } : {}),
      });
    }

    const interactionPaths = /^\/(interactions|webhooks)\//.test(path);
    if (!interactionPaths && req.headers.authorization !== `Bot ${this.options.token}`) {
      return reply(401, { message: "401: Unauthorized", code: 0 });
    }

    let m: RegExpExecArray | null;
    if (call.method === "GET" && path === "/gateway/bot") {
      return reply(200, { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } });
    }
    if (call.method === "POST" && (m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path))) {
      return this.interactionCallback(m[1], m[2], call, reply);
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/([^/]+))?$/.exec(path))) {
      return this.webhook(m[2], m[3], call, reply);
    }
    if (call.method === "POST" && path === "/users/@me/channels") {
      const recipient = String(call.body?.recipient_id ?? "");
      if (!/^\d+$/.test(recipient)) return reply(400, { message: "Invalid Form Body", code: 50035 });
      return reply(200, { id: this.dmChannel(recipient), type: ChannelType.DM, last_message_id: null, flags: 0, recipients: [discordUser(recipient, `user${recipient.slice(-4)}`)] });
    }
    if (call.method === "POST" && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      const channelId = m[1];
      const blocked = [...this.dmChannels].find(([user, channel]) => channel === channelId && this.blockedDmUsers.has(user));
      if (blocked) return reply(403, { message: "Cannot send messages to this user", code: 50007 });
      const known = channelId === this.options.supportChannelId || [...this.dmChannels.values()].includes(channelId);
      if (!known) return reply(404, { message: "Unknown Channel", code: 10003 });
      const nonce = call.body?.nonce;
      if (nonce !== undefined && (typeof nonce === "number" ? !Number.isInteger(nonce) : typeof nonce !== "string" || nonce.length > 25)) {
        return reply(400, { message: "Invalid Form Body", code: 50035, errors: { nonce: { _errors: [{ code: "BASE_TYPE_BAD_LENGTH", message: "Must be 25 or fewer in length." }] } } });
      }
      // enforce_nonce: a create with a nonce the same author used in the last few minutes returns that message.
      if (nonce !== undefined && call.body?.enforce_nonce === true) {
        const earlier = this.nonces.get(String(nonce));
        if (earlier && Date.now() - earlier.at < NONCE_WINDOW_MS && this.messages.has(earlier.id)) return reply(200, this.messages.get(earlier.id)!);
        const created = this.createMessage(channelId, call);
        this.nonces.set(String(nonce), { id: created.id, at: Date.now() });
        return reply(200, created);
      }
      return reply(200, this.createMessage(channelId, call));
    }
    if (call.method === "PATCH" && (m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path))) {
      const message = this.messages.get(m[2]);
      if (!message || message.channel_id !== m[1]) return reply(404, { message: "Unknown Message", code: 10008 });
      return reply(200, this.editMessage(message, call));
    }
    if (call.method === "PUT" && (m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path))) {
      if (m[1] !== this.options.applicationId) return reply(403, { message: "Missing Access", code: 50001 });
      const body = Array.isArray(call.body) ? call.body : [];
      return reply(200, body.map((c: any) => ({ ...c, id: this.commandId, application_id: m![1], version: snowflake(), ...(m![2] ? { guild_id: m![2] } : {}) })));
    }
    return reply(404, { message: "404: Not Found", code: 0 });
  }

  private interactionCallback(id: string, token: string, call: RecordedCall, reply: (s: number, b?: unknown) => void): void {
    const record = this.interactions.get(id);
    if (!record || record.payload.token !== token) return reply(404, { message: "Unknown interaction", code: 10062 });
    if (Date.now() - record.dispatchedAt > (this.options.interactionDeadlineMs ?? 3000)) {
      return reply(404, { message: "Unknown interaction", code: 10062 });
    }
    if (record.callbacks.length > 0) return reply(400, { message: "Interaction has already been acknowledged.", code: 40060 });
    const type = call.body?.type as InteractionResponseType;
    const data = call.body?.data ?? {};
    record.callbacks.push({ type, data, at: Date.now(), withResponse: call.query.get("with_response") });
    const channelId = record.payload.channel?.id ?? this.options.supportChannelId;
    let message: APIMessage | undefined;
    switch (type) {
      case InteractionResponseType.ChannelMessageWithSource:
        message = this.createMessage(channelId, { ...call, body: data }, record);
        record.originalMessageId = message.id;
        break;
      case InteractionResponseType.DeferredChannelMessageWithSource:
        message = this.createMessage(channelId, { ...call, body: { content: "", flags: (data.flags ?? 0) | MessageFlags.Loading } }, record);
        record.originalMessageId = message.id;
        break;
      case InteractionResponseType.DeferredMessageUpdate:
        record.originalMessageId = record.sourceMessageId;
        break;
      case InteractionResponseType.UpdateMessage: {
        record.originalMessageId = record.sourceMessageId;
        const source = record.sourceMessageId ? this.messages.get(record.sourceMessageId) : undefined;
        if (!source) return reply(400, { message: "Interaction has no message to update", code: 50035 });
        message = this.editMessage(source, { ...call, body: data });
        break;
      }
      case InteractionResponseType.Modal:
        if (record.payload.type === InteractionType.ModalSubmit) return reply(400, { message: "Cannot respond to a modal with a modal", code: 50035 });
        if (!data.custom_id || !data.title || !Array.isArray(data.components)) return reply(400, { message: "Invalid Form Body", code: 50035 });
        break;
      default:
        return reply(400, { message: `Unsupported callback type ${type}`, code: 50035 });
    }
    if (call.query.get("with_response") === "true") {
      reply(200, {
        interaction: { id, type: record.payload.type, activity_instance_id: null, response_message_id: message?.id ?? null, response_message_loading: type === 5, response_message_ephemeral: Boolean((data.flags ?? 0) & MessageFlags.Ephemeral) },
        resource: { type, ...(message ? { message } : {}) },
      });
    } else {
      reply(204);
    }
  }

  private webhook(token: string, messageRef: string | undefined, call: RecordedCall, reply: (s: number, b?: unknown) => void): void {
    const record = [...this.interactions.values()].find((r) => r.payload.token === token);
    if (!record) return reply(404, { message: "Unknown Webhook", code: 10015 });
    if (record.callbacks.length === 0) return reply(404, { message: "Unknown Webhook", code: 10015 });
    if (call.method === "POST" && !messageRef) {
      const channelId = record.payload.channel?.id ?? this.options.supportChannelId;
      return reply(200, this.createMessage(channelId, call, record));
    }
    const id = messageRef === "@original" ? record.originalMessageId : messageRef;
    const message = id ? this.messages.get(id) : undefined;
    if (!message) return reply(404, { message: "Unknown Message", code: 10008 });
    if (call.method === "GET") return reply(200, message);
    if (call.method === "PATCH") return reply(200, this.editMessage(message, call));
    if (call.method === "DELETE") {
      this.messages.delete(message.id);
      return reply(204);
    }
    return reply(405, { message: "405: Method Not Allowed", code: 0 });
  }

  private attachmentsOf(channelId: string, call: Pick<RecordedCall, "files">): APIAttachment[] {
    return call.files.map((f) => {
      const id = snowflake();
      const path = `/attachments/${channelId}/${id}/${f.name}`;
      this.cdn.set(path, { bytes: f.bytes, type: f.type });
      return { id, filename: f.name, size: f.bytes.length, content_type: f.type, url: `${this.restBase}${path}`, proxy_url: `${this.restBase}${path}` };
    });
  }

  private createMessage(channelId: string, call: Pick<RecordedCall, "body" | "files">, interaction?: InteractionRecord): APIMessage {
    const body = call.body ?? {};
    if (!body.content && !(body.embeds?.length) && !(call.files.length) && !(body.components?.length) && !((body.flags ?? 0) & MessageFlags.Loading)) {
      throw new Error(EMPTY_MESSAGE);
    }
    const message: APIMessage = {
      id: snowflake(), channel_id: channelId, author: this.botUser, content: body.content ?? "", timestamp: new Date().toISOString(),
      edited_timestamp: null, tts: false, mention_everyone: false, mentions: [], mention_roles: [],
      attachments: this.attachmentsOf(channelId, call), embeds: body.embeds ?? [], components: body.components ?? [], pinned: false,
      type: 0, flags: body.flags ?? 0,
      ...(interaction ? { webhook_id: this.options.applicationId, application_id: this.options.applicationId } : {}),
    } as APIMessage;
    this.messages.set(message.id, message);
    return message;
  }

  private editMessage(message: APIMessage, call: Pick<RecordedCall, "body" | "files">): APIMessage {
    const body = call.body ?? {};
    const next: APIMessage = { ...message, edited_timestamp: new Date().toISOString(), flags: (message.flags ?? 0) & ~MessageFlags.Loading };
    for (const key of ["content", "embeds", "components"] as const) if (key in body) (next as any)[key] = body[key];
    if ("attachments" in body || call.files.length) {
      const kept = (body.attachments ?? []).filter((a: any) => message.attachments.some((old) => old.id === a.id)).map((a: any) => message.attachments.find((old) => old.id === a.id)!);
      next.attachments = [...kept, ...this.attachmentsOf(message.channel_id, call)];
    }
    this.messages.set(message.id, next);
    return next;
  }
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
