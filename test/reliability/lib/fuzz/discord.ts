import fc from "fast-check";
import { ApplicationCommandOptionType, ComponentType, InteractionResponseType, type APIAttachment, type APIMessage, type APIUser } from "discord.js";
import type { Registry } from "../../../../src/core/dispatch.ts";
import { discordOptionName } from "../../../../src/platforms/discord/commandBody.ts";
import { decodeCustomId, encodeCustomId, type CustomIdKind } from "../../../../src/platforms/discord/customId.ts";
import { snowflake, type DiscordStandIn, type InteractionRecord } from "../../../standins/discord.ts";
import { badFileBytes, commandInputs, junkLine, mayWrite, sample, type CommandInput, type FuzzWorld } from "./inputs.ts";
import { EntranceStats, isInternalError } from "./oracle.ts";
import { pool, until } from "./pool.ts";

/**
 * The Discord entrance: interactions dispatched by the gateway stand-in to the real discord.js
 * client of the bot (slash commands with their options and attachments, button clicks, modal
 * submissions with text fields and file uploads), in the shapes Discord sends. The answer is the
 * interaction's callback, or the edit of a deferred reply.
 */

export interface DiscordUserRef {
  user: APIUser;
  support: boolean;
}

export interface DiscordFuzzOptions {
  standIn: DiscordStandIn;
  registry: Registry;
  world: FuzzWorld;
  customers: DiscordUserRef[];
  support: DiscordUserRef;
  supportRole: string;
  count: number;
  seed: number;
  concurrency?: number;
}

export interface DiscordFuzzStats {
  commands: EntranceStats;
  buttons: EntranceStats;
  modals: EntranceStats;
}

type DiscordInput =
  | { kind: "command"; who: DiscordUserRef; sub: string; options: { name: string; value: string; type?: ApplicationCommandOptionType }[]; file?: number; locale: string; inDm: boolean }
  | { kind: "button"; who: DiscordUserRef; customId: string; locale: string }
  | { kind: "modal"; who: DiscordUserRef; customId: string; fields: Record<string, string>; file?: number; locale: string };

const ANSWER_MS = 12_000;
const locales = fc.constantFrom("en-US", "en-US", "zh-CN", "en-GB", "xx", "", "zh-TW", "ja", "\u0000");

export async function fuzzDiscord(options: DiscordFuzzOptions, stats: DiscordFuzzStats): Promise<void> {
  const { standIn, registry, world } = options;
  const files: APIAttachment[] = sample(badFileBytes(2048), 10, options.seed).map((f) => standIn.addAttachment(f.name, f.bytes, f.type));
  const inputs = buildInputs();

  await pool(inputs, options.concurrency ?? 4, async (input) => {
    const s = input.kind === "command" ? stats.commands : input.kind === "button" ? stats.buttons : stats.modals;
    s.inputs += 1;
    const who = { user: input.who.user, roles: input.who.support ? [options.supportRole] : [], locale: input.locale, inDm: input.kind === "command" && input.inDm };
    let payload;
    let shown: string;
    if (input.kind === "command") {
      const attachments: Record<string, APIAttachment> = input.file !== undefined ? { screenshot: files[input.file % files.length] } : {};
      payload = standIn.slashCommand(who, input.sub, input.options, attachments);
      shown = `/credits ${JSON.stringify(input.sub)} ${JSON.stringify(input.options).slice(0, 500)}${input.file !== undefined ? " + a bad attachment" : ""} by ${input.who.user.id}${input.who.support ? " (support)" : ""}`;
    } else if (input.kind === "button") {
      const message = postedMessageWith(standIn, input.customId);
      payload = standIn.buttonClick(who, message.id, input.customId);
      shown = `button ${JSON.stringify(input.customId)} clicked by ${input.who.user.id}${input.who.support ? " (support)" : ""}`;
    } else {
      const components: any[] = Object.keys(input.fields).map((name, i) => ({ type: ComponentType.Label, id: i + 1, label: name, component: { type: ComponentType.TextInput, custom_id: name, style: 1 } }));
      const values: Record<string, string | APIAttachment[]> = { ...input.fields };
      if (input.file !== undefined) {
        components.push({ type: ComponentType.Label, id: 99, label: "screenshot", component: { type: ComponentType.FileUpload, custom_id: "screenshot" } });
        values.screenshot = [files[input.file % files.length]];
      }
      payload = standIn.modalSubmit(who, { custom_id: input.customId, title: "Form", components }, values);
      shown = `modal ${JSON.stringify(input.customId)} submitted by ${input.who.user.id}${input.who.support ? " (support)" : ""} with ${JSON.stringify(input.fields).slice(0, 500)}${input.file !== undefined ? " + a bad file" : ""}`;
    }
    let record: InteractionRecord;
    try {
      record = standIn.dispatchInteraction(payload as never);
    } catch (err) {
      return s.crash(shown, `could not dispatch: ${String(err)}`);
    }
    const answered = await until(() => record.callbacks.length > 0, ANSWER_MS);
    if (!answered) {
      s.unanswered.push({ input: shown, what: `no interaction callback within ${ANSWER_MS / 1000} s` });
      s.count("no answer");
      return;
    }
    const callback = record.callbacks[0];
    let text = JSON.stringify(callback.data ?? {});
    if (callback.type === InteractionResponseType.DeferredChannelMessageWithSource || callback.type === InteractionResponseType.DeferredMessageUpdate) {
      const token = (payload as { token: string }).token;
      const edit = await until(() => standIn.calls.find((c) => (c.method === "PATCH" || c.method === "POST") && c.path.startsWith(`/webhooks/`) && c.path.includes(`/${token}`) && c.status === 200), ANSWER_MS);
      if (!edit) {
        s.unanswered.push({ input: shown, what: "deferred, and never edited" });
        s.count("deferred, no answer");
        return;
      }
      text = JSON.stringify(edit.body ?? {});
    }
    // Anything the bot sent for this interaction afterwards (follow-ups) counts too.
    const token = (payload as { token: string }).token;
    for (const c of standIn.calls) if (c.path.includes(`/${token}`) && c.body) text += JSON.stringify(c.body);
    s.count(InteractionResponseType[callback.type] ?? String(callback.type));
    const typed = JSON.stringify(input);
    if (isInternalError(text, typed)) return s.crash(shown, `internal error: ${text.slice(0, 400)}`);
    const failedCalls = standIn.calls.filter((c) => c.path.includes(`/${token}`) && c.status >= 400);
    if (failedCalls.length) return s.crash(shown, `the bot's answer was refused by Discord: ${failedCalls.map((c) => `${c.method} ${c.path.replace(token, "<token>")} → ${c.status}`).join("; ")}`);
    s.answered += 1;
  });

  function buildInputs(): DiscordInput[] {
    const out: DiscordInput[] = [];
    const want = { command: Math.round(options.count * 0.55), button: Math.round(options.count * 0.2) };
    const modalWant = options.count - want.command - want.button;
    const who = (input: CommandInput, k: number) => (input.role === "support" ? options.support : options.customers[k % options.customers.length]);
    const ok = (w: DiscordUserRef, command: string, args: Record<string, string>, role: CommandInput["role"]) => !mayWrite(world, w.user.id, { role: w.support ? "support" : role, command, args });

    const commands = sample(
      fc.record({
        input: commandInputs(world, options.customers[0].user.id),
        junkSub: fc.option(junkLine.map((s) => s.slice(0, 40)), { nil: undefined, freq: 6 }),
        file: fc.option(fc.nat({ max: 9 }), { nil: undefined, freq: 3 }),
        numberType: fc.boolean(),
        locale: locales,
        inDm: fc.boolean(),
        k: fc.nat(),
      }),
      want.command * 2,
      options.seed + 500,
    );
    for (const c of commands) {
      if (out.length >= want.command) break;
      const w = who(c.input, c.k);
      const sub = c.junkSub ?? c.input.command;
      const definition = registry.find(sub);
      if (!ok(w, sub, c.input.args, c.input.role)) continue;
      const opts = Object.entries(c.input.args).map(([name, value]) => ({
        name: definition?.options.some((o) => o.name === name) ? discordOptionName(name) : name.slice(0, 32),
        value,
        ...(c.numberType && /^-?\d+(\.\d+)?$/.test(value) ? { type: ApplicationCommandOptionType.Number } : {}),
      }));
      out.push({ kind: "command", who: w, sub, options: opts, file: sub === "proof" ? c.file : undefined, locale: c.locale, inDm: c.inDm });
    }

    const kinds: CustomIdKind[] = ["cd", "cd", "ck", "cy", "cx", "cf"];
    const buttons = sample(
      fc.record({ input: commandInputs(world, options.customers[1 % options.customers.length].user.id), kind: fc.nat({ max: kinds.length - 1 }), junk: fc.option(fc.oneof(junkLine.map((s) => s.slice(0, 100)), fc.constantFrom("cd:confirm:order=%ZZ", "cd:", "cd:topup:=", "cd:topup:a=1&b", "zz:balance:", "cd:balance:#1", "cd:" + "a".repeat(40) + ":")), { nil: undefined, freq: 3 }), locale: locales, k: fc.nat() }),
      want.button * 3,
      options.seed + 600,
    );
    for (const b of buttons) {
      if (out.length >= want.command + want.button) break;
      const w = who(b.input, b.k);
      const customId = b.junk ?? tryEncode(kinds[b.kind], b.input);
      if (!customId) continue;
      const decoded = decodeCustomId(customId);
      if (decoded && decoded.kind !== "cf" && decoded.kind !== "cx" && !ok(w, decoded.invocation.command, decoded.invocation.args, w.support ? "support" : "customer")) continue;
      if (!customId.length || customId.length > 100) continue;
      out.push({ kind: "button", who: w, customId, locale: b.locale });
    }

    const modals = sample(
      fc.record({
        input: commandInputs(world, options.customers[2 % options.customers.length].user.id),
        fields: fc.dictionary(fc.constantFrom("method", "amount", "order", "txHash", "reason", "note", "threshold", "code", "target", "payment", "query", "junk"), junkLine.map((s) => s.slice(0, 4000)), { maxKeys: 4 }),
        junkId: fc.option(junkLine.map((s) => s.slice(0, 100)), { nil: undefined, freq: 5 }),
        file: fc.option(fc.nat({ max: 9 }), { nil: undefined, freq: 3 }),
        locale: locales,
        k: fc.nat(),
      }),
      modalWant * 3,
      options.seed + 700,
    );
    for (const m of modals) {
      if (out.length >= options.count) break;
      const w = who(m.input, m.k);
      const customId = m.junkId ?? tryEncode("cf", m.input);
      if (!customId || customId.length > 100) continue;
      const decoded = decodeCustomId(customId);
      if (decoded && decoded.kind === "cf" && !ok(w, decoded.invocation.command, { ...decoded.invocation.args, ...m.fields }, w.support ? "support" : "customer")) continue;
      out.push({ kind: "modal", who: w, customId, fields: m.fields, file: m.input.command === "proof" ? m.file : undefined, locale: m.locale });
    }
    return out;
  }
}

function tryEncode(kind: CustomIdKind, input: CommandInput): string | null {
  try {
    return encodeCustomId(kind, { command: input.command, args: input.args });
  } catch {
    return null;
  }
}

/** A message of the bot's in the support channel carrying a button with this custom_id (a click needs one). */
function postedMessageWith(standIn: DiscordStandIn, customId: string): APIMessage {
  const id = snowflake();
  const message = {
    id,
    channel_id: standIn.options.supportChannelId,
    author: standIn.botUser,
    content: "A message with a button",
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    components: [{ type: ComponentType.ActionRow, components: [{ type: ComponentType.Button, style: 1, label: "Go", custom_id: customId }] }],
    pinned: false,
    type: 0,
    flags: 0,
  } as unknown as APIMessage;
  standIn.messages.set(id, message);
  return message;
}
