import { InteractionResponseType, type APIAttachment, type APIInteraction, type APIMessage, type APIModalInteractionResponseCallbackData, type APIUser } from "discord.js";
import { registry } from "../../commands/index.ts";
import { deliverDue, type Deliverer } from "../../src/notify/outbox.ts";
import { outboxRenderer } from "../../src/views/outbox.ts";
import { startDiscord, type DiscordSurface } from "../../src/platforms/discord/index.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";
import { discordUser, DiscordStandIn, type InteractionRecord } from "../standins/discord.ts";

export const IDS = {
  token: "standin-bot-token-0123456789",
  applicationId: "1190000000000000001",
  guildId: "1190000000000000002",
  supportChannelId: "1190000000000000003",
  supportRole: "1190000000000000010",
  memberRole: "1190000000000000011",
};

export interface Harness {
  standIn: DiscordStandIn;
  services: Services;
  surface: DiscordSurface;
  deliverer: Deliverer;
  close(): Promise<void>;
}

/** One stand-in Discord, one real database, the real discord.js client logged in against them. */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const standIn = new DiscordStandIn({
    token: IDS.token,
    applicationId: IDS.applicationId,
    guildId: IDS.guildId,
    supportChannelId: IDS.supportChannelId,
    roles: [
      { id: IDS.supportRole, name: "billing-support" },
      { id: IDS.memberRole, name: "member" },
    ],
  });
  await standIn.start();
  const services = await createTestServices({
    env: {
      DISCORD_TOKEN: IDS.token,
      DISCORD_APPLICATION_ID: IDS.applicationId,
      DISCORD_SUPPORT_CHANNEL: IDS.supportChannelId,
      DISCORD_SUPPORT_ROLES: IDS.supportRole,
      DISCORD_API_URL: standIn.apiUrl,
      ...env,
    },
  });
  const surface = await startDiscord(services, registry);
  return {
    standIn,
    services,
    surface,
    deliverer: surface.deliverer,
    async close() {
      await surface.stop();
      await standIn.stop();
      await services.db.close();
    },
  };
}

let userCounter = 0;
export function newUser(name: string): APIUser {
  userCounter += 1;
  return discordUser(`11${String(Date.now()).slice(-8)}${String(userCounter).padStart(6, "0")}`, name);
}

export interface Answer {
  record: InteractionRecord;
  callbackType: InteractionResponseType;
  /** The message the user finally sees (after a deferred reply is edited). */
  message?: APIMessage;
  modal?: APIModalInteractionResponseCallbackData;
  /** What this interaction's answer said: the callback's data, or the edit of a deferred reply. */
  sent?: { content?: string; embeds?: any[]; components?: any[]; flags?: number };
  /** Milliseconds from dispatch to the first callback. */
  ackMs: number;
}

/** Dispatches one interaction and waits (bounded) until its answer is complete. */
export async function interact(standIn: DiscordStandIn, payload: APIInteraction): Promise<Answer> {
  const record = standIn.dispatchInteraction(payload);
  await standIn.waitFor(() => record.callbacks.length > 0, `a callback to interaction ${payload.id}`);
  const callback = record.callbacks[0];
  const deferred = callback.type === InteractionResponseType.DeferredChannelMessageWithSource || callback.type === InteractionResponseType.DeferredMessageUpdate;
  let sent = callback.data;
  if (deferred) {
    const edits = () => standIn.callsTo("PATCH", new RegExp(`^/webhooks/\\d+/${payload.token}/messages/@original$`)).filter((c) => c.status === 200);
    await standIn.waitFor(() => edits().length > 0, "the deferred reply to be edited");
    sent = edits()[0].body;
  }
  const message = record.originalMessageId ? standIn.messages.get(record.originalMessageId) : undefined;
  return {
    record,
    callbackType: callback.type,
    message,
    modal: callback.type === InteractionResponseType.Modal ? callback.data : undefined,
    sent: callback.type === InteractionResponseType.Modal ? undefined : sent,
    ackMs: callback.at - record.dispatchedAt,
  };
}

/** Everything the user reads in a message: content, embed titles, descriptions, fields, footers. */
export function textOf(message: Pick<APIMessage, "content" | "embeds"> | { content?: string; embeds?: any[] } | undefined): string {
  if (!message) return "";
  const parts = [message.content ?? ""];
  for (const embed of message.embeds ?? []) {
    parts.push(embed.title ?? "", embed.description ?? "", ...(embed.fields ?? []).map((f: { name: string; value: string }) => `${f.name}: ${f.value}`), embed.footer?.text ?? "");
  }
  return parts.filter(Boolean).join("\n");
}

export function buttonsOf(message: APIMessage | undefined): { customId: string; label: string; style: number }[] {
  return (message?.components ?? []).flatMap((row: any) => (row.components ?? []).map((c: any) => ({ customId: c.custom_id, label: c.label, style: c.style })));
}

export function button(message: APIMessage | undefined, prefix: string): string {
  const found = buttonsOf(message).find((b) => b.customId.startsWith(prefix));
  if (!found) throw new Error(`no button ${prefix} in ${JSON.stringify(buttonsOf(message))}`);
  return found.customId;
}

/** Delivers what is due until nothing is (bounded). */
export async function drain(h: Harness, rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    const handled = await deliverDue({ prisma: h.services.prisma, deliverers: { discord: h.deliverer }, render: outboxRenderer(h.services) });
    if (handled === 0) return;
  }
}

export function randomHash(): string {
  let hex = "";
  for (let i = 0; i < 64; i += 1) hex += Math.floor(Math.random() * 16).toString(16);
  return hex;
}

export function attachmentOf(h: Harness, name: string, bytes: Uint8Array, type: string): APIAttachment {
  return h.standIn.addAttachment(name, bytes, type);
}
