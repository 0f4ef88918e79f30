import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  Client,
  ComponentType,
  InteractionContextType,
  InteractionType,
  MessageType,
  type APIActionRowComponent,
  type APIApplicationCommandAutocompleteInteraction,
  type APIApplicationCommandInteractionDataBasicOption,
  type APIAttachment,
  type APIChatInputApplicationCommandInteraction,
  type APIComponentInMessageActionRow,
  type APIInteraction,
  type APIInteractionDataResolved,
  type APIInteractionGuildMember,
  type APIMessage,
  type APIMessageComponentButtonInteraction,
  type APIModalSubmissionComponent,
  type APIModalSubmitInteraction,
  type APIUser,
  type GuildMemberFlags,
  type Locale,
  type MessageFlags,
} from "discord.js";
import { vi } from "vitest";
import { registry } from "../../../commands/index.ts";
import type { Caller } from "../../../src/core/command.ts";
import type { RawArgs } from "../../../src/core/dispatch.ts";
import { loadEnv } from "../../../src/config/env.ts";
import { createLogger } from "../../../src/log.ts";
import type { ListenerDeps } from "../../../src/platforms/discord/listeners/deps.ts";
import { textReply, type Reply } from "../../../src/reply.ts";
import type { Services } from "../../../src/services.ts";
import { parseMethods } from "../../../src/methods/paymentMethods.ts";
import { TEST_METHODS_JSON } from "../../helpers/services.ts";

/**
 * What a listener unit test needs: a real discord.js Client (never logged in) that builds
 * interactions from raw payloads as the gateway does, with its REST answered in memory and every
 * request recorded; payloads of Discord's documented shape; and listener deps whose dispatch is a spy.
 */

export const IDS = {
  application: "1390000000000000001",
  guild: "1390000000000000002",
  channel: "1390000000000000003",
  command: "1390000000000000004",
  supportRole: "1390000000000000010",
  memberRole: "1390000000000000011",
};

let snowflakes = 0n;
export function snowflake(): string {
  snowflakes += 1n;
  return String(1_400_000_000_000_000_000n + snowflakes);
}

// ---- Discord's side: payloads in the shape Discord sends ----

export interface Who {
  user: APIUser;
  roles?: string[];
  nick?: string | null;
  locale?: `${Locale}`;
}

export function discordUser(name: string): APIUser {
  return { id: snowflake(), username: name.toLowerCase().replace(/\W+/g, "_"), discriminator: "0", global_name: name, avatar: null };
}

function member(who: Who): APIInteractionGuildMember {
  return {
    user: who.user, roles: who.roles ?? [], nick: who.nick ?? null, avatar: null, joined_at: "2024-01-01T00:00:00.000Z", premium_since: null,
    deaf: false, mute: false, flags: 0 as GuildMemberFlags, pending: false, communication_disabled_until: null, permissions: "2248473465835073",
  };
}

/** The fields every interaction in a guild text channel carries. */
function inGuild(who: Who) {
  return {
    id: snowflake(), application_id: IDS.application, token: `unit-${snowflake()}`, version: 1 as const,
    locale: (who.locale ?? "en-US") as Locale, guild_locale: "en-US" as Locale, app_permissions: "2248473465835073", entitlements: [],
    attachment_size_limit: 10_485_760, authorizing_integration_owners: { 0: IDS.guild }, context: InteractionContextType.Guild,
    guild_id: IDS.guild, guild: { id: IDS.guild, locale: "en-US" as Locale, features: [] }, member: member(who),
    channel: { id: IDS.channel, type: ChannelType.GuildText as const, guild_id: IDS.guild, name: "billing" }, channel_id: IDS.channel,
  };
}

export function stringOption(name: string, value: string, focused?: boolean): APIApplicationCommandInteractionDataBasicOption {
  return { type: ApplicationCommandOptionType.String, name, value, ...(focused ? { focused } : {}) };
}

export function attachmentOption(name: string, attachment: APIAttachment): APIApplicationCommandInteractionDataBasicOption {
  return { type: ApplicationCommandOptionType.Attachment, name, value: attachment.id };
}

export function slashCommand(who: Who, subcommand: string, options: APIApplicationCommandInteractionDataBasicOption[] = [], extra: { command?: string; attachments?: APIAttachment[] } = {}): APIChatInputApplicationCommandInteraction {
  return {
    ...inGuild(who),
    type: InteractionType.ApplicationCommand,
    data: {
      id: IDS.command, name: extra.command ?? "credits", type: ApplicationCommandType.ChatInput, guild_id: IDS.guild,
      options: [{ type: ApplicationCommandOptionType.Subcommand, name: subcommand, options }],
      ...(extra.attachments?.length ? { resolved: { attachments: Object.fromEntries(extra.attachments.map((a) => [a.id, a])) } } : {}),
    },
  };
}

export function autocomplete(who: Who, subcommand: string, options: APIApplicationCommandInteractionDataBasicOption[], command = "credits"): APIApplicationCommandAutocompleteInteraction {
  return {
    ...inGuild(who),
    type: InteractionType.ApplicationCommandAutocomplete,
    data: { id: IDS.command, name: command, type: ApplicationCommandType.ChatInput, guild_id: IDS.guild, options: [{ type: ApplicationCommandOptionType.Subcommand, name: subcommand, options }] },
  };
}

/** A message the bot posted earlier, with buttons: what a click arrives with. */
export function botMessage(buttons: { customId: string; label: string; style: number }[], flags?: MessageFlags): APIMessage {
  const row: APIActionRowComponent<APIComponentInMessageActionRow> = {
    type: ComponentType.ActionRow,
    components: buttons.map((b) => ({ type: ComponentType.Button, custom_id: b.customId, label: b.label, style: b.style })),
  };
  return message({ content: "a message of the bot", components: [row], flags });
}

export function buttonClick(who: Who, source: APIMessage, customId: string): APIMessageComponentButtonInteraction {
  return { ...inGuild(who), type: InteractionType.MessageComponent, message: source, data: { custom_id: customId, component_type: ComponentType.Button } };
}

/** Modal fields as Discord submits them: each inner component inside its Label. */
export function textField(customId: string, value: string): APIModalSubmissionComponent {
  return { type: ComponentType.Label, id: 0, component: { type: ComponentType.TextInput, id: 0, custom_id: customId, value } };
}

export function selectField(customId: string, values: string[]): APIModalSubmissionComponent {
  return { type: ComponentType.Label, id: 0, component: { type: ComponentType.StringSelect, id: 0, custom_id: customId, values } };
}

export function fileField(customId: string, attachments: APIAttachment[]): APIModalSubmissionComponent {
  return { type: ComponentType.Label, id: 0, component: { type: ComponentType.FileUpload, id: 0, custom_id: customId, values: attachments.map((a) => a.id) } };
}

export function modalSubmit(who: Who, customId: string, components: APIModalSubmissionComponent[], extra: { attachments?: APIAttachment[]; source?: APIMessage } = {}): APIModalSubmitInteraction {
  const resolved: APIInteractionDataResolved | undefined = extra.attachments?.length ? { attachments: Object.fromEntries(extra.attachments.map((a) => [a.id, a])) } : undefined;
  return {
    ...inGuild(who),
    type: InteractionType.ModalSubmit,
    ...(extra.source ? { message: extra.source } : {}),
    data: { custom_id: customId, components, ...(resolved ? { resolved } : {}) },
  };
}

function message(fields: Partial<APIMessage>): APIMessage {
  return {
    id: snowflake(), channel_id: IDS.channel, type: MessageType.Default, content: "", embeds: [], components: [], attachments: [],
    author: { id: IDS.application, username: "credit_desk", discriminator: "0", global_name: "Credit Desk", avatar: null, bot: true },
    timestamp: new Date().toISOString(), edited_timestamp: null, tts: false, mention_everyone: false, mentions: [], mention_roles: [], pinned: false,
    ...fields,
  };
}

// ---- our side: the client, its REST answered in memory ----

export interface SentRequest {
  method: string;
  /** The path below /api/v10, e.g. /interactions/<id>/<token>/callback. */
  path: string;
  body: any;
  files: string[];
}

export interface FakeDiscord {
  client: Client;
  requests: SentRequest[];
  /** Hands the payload to the client exactly as the gateway's INTERACTION_CREATE does. */
  receive(payload: APIInteraction): void;
  /** Waits until `count` requests were sent, then a little more to catch any extra one. */
  settled(count: number): Promise<SentRequest[]>;
  destroy(): Promise<void>;
}

export function fakeDiscord(): FakeDiscord {
  const requests: SentRequest[] = [];
  const client = new Client({
    intents: [],
    rest: {
      version: "10",
      async makeRequest(url, init) {
        const sent = await recorded(url, init);
        requests.push(sent);
        return answerFor(sent);
      },
    },
  });
  client.rest.setToken("unit-test-token");
  const actions = (client as unknown as { actions: { InteractionCreate: { handle(data: APIInteraction): void } } }).actions;
  return {
    client,
    requests,
    receive: (payload) => actions.InteractionCreate.handle(payload),
    async settled(count) {
      await vi.waitFor(() => {
        if (requests.length < count) throw new Error(`${requests.length} of ${count} requests sent: ${JSON.stringify(requests.map((r) => `${r.method} ${r.path}`))}`);
      }, { timeout: 5000, interval: 10 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      return requests;
    },
    destroy: () => client.destroy(),
  };
}

async function recorded(url: string, init: { method?: string; body?: unknown }): Promise<SentRequest> {
  const path = decodeURIComponent(new URL(url).pathname).replace(/^\/api\/v10/, "");
  const method = init.method ?? "GET";
  if (init.body instanceof FormData) {
    const files = [...init.body.entries()].filter(([key]) => key.startsWith("files[")).map(([, value]) => (value as File).name);
    return { method, path, body: JSON.parse(String(init.body.get("payload_json"))), files };
  }
  return { method, path, body: typeof init.body === "string" ? JSON.parse(init.body) : init.body, files: [] };
}

function answerFor(sent: SentRequest): Response {
  if (/^\/interactions\/\d+\/[^/]+\/callback$/.test(sent.path)) return new Response(null, { status: 204 });
  if (/^\/webhooks\/\d+\/[^/]+(\/messages\/@original)?$/.test(sent.path)) {
    const body = message({ content: sent.body?.content ?? "", embeds: sent.body?.embeds ?? [], components: sent.body?.components ?? [], flags: sent.body?.flags ?? 0, webhook_id: IDS.application });
    return Response.json(body);
  }
  return Response.json({ message: "404: Not Found", code: 0 }, { status: 404 });
}

/** The interaction callback (the first answer) of what was sent. */
export function callbackOf(requests: SentRequest[]): { type: number; data?: any } {
  const callback = requests.find((r) => r.method === "POST" && r.path.endsWith("/callback"));
  if (!callback) throw new Error(`no interaction callback in ${JSON.stringify(requests.map((r) => `${r.method} ${r.path}`))}`);
  return callback.body;
}

export function buttonsIn(data: { components?: any[] } | undefined): { customId: string; label: string; style: number }[] {
  return (data?.components ?? []).flatMap((row: any) => row.components.map((c: any) => ({ customId: c.custom_id, label: c.label, style: c.style })));
}

// ---- the listener's deps ----

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface UnitDeps extends ListenerDeps {
  dispatched: { caller: Caller; command: string; args: RawArgs }[];
  logLines: LogLine[];
}

/**
 * Deps of a listener under test: the real command registry (names, audiences, options,
 * choices), test payment methods, a log that keeps its lines, and a dispatch that records what
 * it was asked and answers `answer` (by default a short text) instead of running the command.
 * `env` adds variables: a test that downloads attachments names its CDN as DISCORD_API_URL
 * (`cdn.env`), the only way a host other than Discord's CDN may be fetched from.
 */
export function unitDeps(answer: (command: string, args: RawArgs) => Reply | Promise<Reply> = () => textReply("done"), env: Record<string, string> = {}): UnitDeps {
  const logLines: LogLine[] = [];
  const log = createLogger({ level: "debug", secrets: [], destination: { write: (line: string) => logLines.push(JSON.parse(line)) } as unknown as NodeJS.WritableStream });
  const services = { env: loadEnv({ LOG_LEVEL: "silent", ...env }), methods: parseMethods(TEST_METHODS_JSON), log, now: () => new Date() } as unknown as Services;
  const dispatched: UnitDeps["dispatched"] = [];
  return {
    services,
    registry,
    options: { supportRoles: [IDS.supportRole], commandName: "credits", deferAfterMs: 1500 },
    log,
    logLines,
    dispatched,
    async dispatch(caller, command, args) {
      dispatched.push({ caller, command, args });
      return answer(command, args);
    },
  };
}

// ---- attachments: a CDN that serves them, as Discord's signed links do for a while ----

export interface FakeCdn {
  attachment(name: string, bytes: Uint8Array, contentType: string): APIAttachment;
  /** The environment that lets the adapter fetch from this CDN (it stands in for Discord's API host). */
  env: { DISCORD_API_URL: string };
  close(): Promise<void>;
}

export async function fakeCdn(): Promise<FakeCdn> {
  const files = new Map<string, { bytes: Uint8Array; type: string }>();
  const server: Server = createServer((req, res) => {
    const file = files.get(new URL(req.url ?? "/", "http://cdn").pathname);
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": file.type, "content-length": file.bytes.length }).end(Buffer.from(file.bytes));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    env: { DISCORD_API_URL: `${base}/api` },
    attachment(name, bytes, contentType) {
      const id = snowflake();
      const path = `/attachments/${IDS.channel}/${id}/${name}`;
      files.set(path, { bytes, type: contentType });
      return { id, filename: name, size: bytes.length, content_type: contentType, url: `${base}${path}?ex=1&hm=unit`, proxy_url: `${base}${path}` };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
