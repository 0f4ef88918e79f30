import { ackLatency } from "../../metrics.ts";
import {
  ApplicationCommandOptionType,
  ButtonStyle,
  Client,
  ComponentType,
  Events,
  GatewayIntentBits,
  MessageFlags,
  type Attachment,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type GuildMember,
  type APIInteractionGuildMember,
  type Interaction,
  type ModalSubmitInteraction,
} from "discord.js";
import type { Env } from "../../config/env.ts";
import type { Caller } from "../../core/command.ts";
import { dispatch, errorReply, type RawArgs, type Registry } from "../../core/dispatch.ts";
import { UserError } from "../../errors.ts";
import { resolveLocale, translator, type Translator } from "../../i18n.ts";
import type { Invocation, Reply } from "../../reply.ts";
import type { Services } from "../../services.ts";
import { AttachmentDownloadError, downloadAttachment } from "./attachments.ts";
import { optionNameFromDiscord } from "./commandBody.ts";
import { decodeCustomId } from "./customId.ts";
import { interactionBody, renderButtons, renderMessage, renderModal } from "./render.ts";
import { InvalidRequestBudget, restOptions } from "./rest.ts";

export interface DiscordBotOptions {
  token: string;
  applicationId: string;
  supportChannelId: string;
  supportRoles: readonly string[];
  commandName: string;
  api?: string;
  /**
   * Work that finishes within this time is answered directly (so a form can open as a modal);
   * slower work is deferred first (0: always). Discord drops an interaction not answered within 3 s.
   */
  deferAfterMs?: number;
  budget?: InvalidRequestBudget;
}

export function discordOptionsFromEnv(env: Env): DiscordBotOptions {
  if (!env.DISCORD_TOKEN || !env.DISCORD_APPLICATION_ID || !env.DISCORD_SUPPORT_CHANNEL) {
    throw new Error("DISCORD_TOKEN, DISCORD_APPLICATION_ID and DISCORD_SUPPORT_CHANNEL are required for Discord");
  }
  return {
    token: env.DISCORD_TOKEN,
    applicationId: env.DISCORD_APPLICATION_ID,
    supportChannelId: env.DISCORD_SUPPORT_CHANNEL,
    supportRoles: env.DISCORD_SUPPORT_ROLES,
    commandName: env.DISCORD_COMMAND,
    api: env.DISCORD_API_URL,
  };
}

export interface DiscordBot {
  client: Client;
  budget: InvalidRequestBudget;
  /** The options in force; `deferAfterMs` may be tuned while running. */
  options: DiscordBotOptions;
  /** Logs in and resolves once the client is ready (guilds received). */
  login(timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

/** Discord user ids are global, so every Discord identity lives in one workspace. */
export const DISCORD_WORKSPACE = "discord";

type RepliableInteraction = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

/** Support rights come from the member's roles in this very interaction, never from a cache of ours. */
export function hasSupportRole(member: GuildMember | APIInteractionGuildMember | null, supportRoles: readonly string[]): boolean {
  if (!member || supportRoles.length === 0) return false;
  const held = Array.isArray(member.roles) ? member.roles : [...(member as GuildMember).roles.cache.keys()];
  return held.some((role) => supportRoles.includes(role));
}

export function callerOf(interaction: RepliableInteraction, supportRoles: readonly string[]): Caller {
  const member = interaction.member;
  const displayName =
    member && "displayName" in member
      ? member.displayName
      : ((member as APIInteractionGuildMember | null)?.nick ?? interaction.user.globalName ?? interaction.user.username);
  return {
    platform: "discord",
    workspaceId: DISCORD_WORKSPACE,
    userId: interaction.user.id,
    displayName,
    locale: resolveLocale(interaction.locale),
    isSupport: hasSupportRole(member, supportRoles),
  };
}

/**
 * The discord.js gateway client of the bot: one slash command whose subcommands are the registry's
 * commands, buttons and modals that carry their invocation in custom_id. Every interaction becomes
 * one dispatch; the Reply that comes back is rendered once, here.
 */
export function createDiscordBot(services: Services, registry: Registry, options: DiscordBotOptions = discordOptionsFromEnv(services.env)): DiscordBot {
  const budget = options.budget ?? new InvalidRequestBudget();
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    // An interaction token lives 15 minutes, so waiting out a short rate limit is right here;
    // a long one is better reported than silently waited on.
    rest: restOptions(options.api, { rejectOnRateLimit: (limit) => limit.retryAfter > 10_000 }),
  });
  budget.watch(client.rest);
  const log = services.log.child({ surface: "discord" });

  client.on(Events.InteractionCreate, (interaction) => {
    void handle(interaction);
  });
  client.on(Events.Error, (err) => log.error({ error: err.message }, "discord client error"));

  async function handle(interaction: Interaction): Promise<void> {
    if (!interaction.isChatInputCommand() && !interaction.isButton() && !interaction.isModalSubmit()) return;
    try {
      if (interaction.isChatInputCommand()) await onCommand(interaction);
      else if (interaction.isButton()) await onButton(interaction);
      else await onModal(interaction);
    } catch (err) {
      log.error({ error: err instanceof Error ? err.message : String(err), interaction: interaction.type }, "discord interaction failed");
      const t = translator(resolveLocale(interaction.locale));
      const text = t("discord.failed");
      try {
        if (interaction.deferred || interaction.replied) await interaction.editReply({ content: text, embeds: [], components: [] });
        else await interaction.reply({ content: text, flags: MessageFlags.Ephemeral });
      } catch {
        // The interaction is gone (expired or already answered); the log line above is what is left.
      }
    }
  }

  async function fileFrom(attachment: Attachment) {
    return downloadAttachment(
      { url: attachment.url, name: attachment.name, contentType: attachment.contentType },
      { maxBytes: services.env.SCREENSHOT_MAX_BYTES },
    );
  }

  async function onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const caller = callerOf(interaction, options.supportRoles);
    const sub = interaction.options.getSubcommand(false) ?? "";
    const definition = registry.find(sub);
    const given = interaction.options.data.find((o) => o.type === ApplicationCommandOptionType.Subcommand)?.options ?? [];
    await respond(interaction, caller, async () => {
      if (interaction.commandName !== options.commandName) {
        return errorReply(translator(caller.locale), new UserError("errors.unknown_command", { name: interaction.commandName.slice(0, 40) }));
      }
      const args: RawArgs = {};
      for (const option of given) {
        const name = optionNameFromDiscord(definition, option.name);
        if (option.type === ApplicationCommandOptionType.Attachment && option.attachment) args[name] = await fileFrom(option.attachment);
        else if (option.value !== undefined && option.value !== null) args[name] = String(option.value);
      }
      return dispatch(registry, services, caller, sub, args);
    });
  }

  async function onButton(interaction: ButtonInteraction): Promise<void> {
    const caller = callerOf(interaction, options.supportRoles);
    const t = translator(caller.locale);
    const decoded = decodeCustomId(interaction.customId);
    if (!decoded || decoded.kind === "cf") {
      await interaction.reply({ content: t("discord.stale_button"), flags: MessageFlags.Ephemeral });
      return;
    }
    const { kind, invocation } = decoded;
    if (kind === "cx") {
      await interaction.update({ content: t("discord.confirm.dismissed"), embeds: [], components: [] });
      return;
    }
    // Discord has no confirmation dialog: a second, private button stands in for it. Someone who
    // may not run the command gets the command's own refusal at once instead of a pointless prompt.
    const audience = registry.find(invocation.command)?.audience;
    if (kind === "ck" && !(audience === "support" && !caller.isSupport)) {
      await interaction.reply({ ...confirmPrompt(t, interaction, invocation), flags: MessageFlags.Ephemeral });
      return;
    }
    await respond(interaction, caller, () => dispatch(registry, services, caller, invocation.command, invocation.args), undefined, kind === "cy");
  }

  async function onModal(interaction: ModalSubmitInteraction): Promise<void> {
    const caller = callerOf(interaction, options.supportRoles);
    const decoded = decodeCustomId(interaction.customId);
    if (!decoded || decoded.kind !== "cf") {
      await interaction.reply({ content: translator(caller.locale)("discord.stale_button"), flags: MessageFlags.Ephemeral });
      return;
    }
    const { invocation } = decoded;
    await respond(
      interaction,
      caller,
      async () => {
        const values: RawArgs = {};
        for (const field of interaction.fields.fields.values()) {
          const data = field as { type: ComponentType; customId: string; value?: string; values?: string[]; attachments?: Map<string, Attachment> };
          if (data.type === ComponentType.TextInput && data.value) values[data.customId] = data.value;
          else if (data.type === ComponentType.StringSelect && data.values?.length) values[data.customId] = data.values[0];
          else if (data.type === ComponentType.FileUpload) {
            const first = data.attachments ? [...data.attachments.values()][0] : undefined;
            if (first) values[data.customId] = await fileFrom(first);
          }
        }
        return dispatch(registry, services, caller, invocation.command, { ...invocation.args, ...values });
      },
      invocation,
    );
  }

  function confirmPrompt(t: Translator, interaction: ButtonInteraction, invocation: Invocation) {
    const component = interaction.component as { label?: string | null; style?: number };
    const label = component.label ?? invocation.command;
    const details = Object.values(invocation.args).join(" · ");
    const danger = component.style === ButtonStyle.Danger;
    return {
      content: t("discord.confirm.prompt", { action: label, details }),
      components: renderButtons([
        { kind: "cy", invocation, label: t("discord.confirm.yes", { action: label }), style: danger ? "danger" : "primary" },
        { kind: "cx", invocation, label: t("discord.confirm.no"), style: "default" },
      ]),
    };
  }

  /**
   * Answers within Discord's 3 s: work done in time is answered directly (a form opens as a
   * modal); otherwise the interaction is deferred and the reply edited in when the work ends.
   * `formInvocation` is the modal being submitted, offered again when its fields had errors;
   * `replacePrompt` answers in place of the message clicked (the "are you sure?" prompt).
   */
  async function respond(interaction: RepliableInteraction, caller: Caller, work: () => Promise<Reply>, formInvocation?: Invocation, replacePrompt = false): Promise<void> {
    const t = translator(caller.locale);
    const started = process.hrtime.bigint();
    const acked = (kind: string) => ackLatency.observe({ platform: "discord", kind }, Number(process.hrtime.bigint() - started) / 1e9);
    const pending = work().catch((err: unknown) => {
      if (err instanceof AttachmentDownloadError) {
        log.warn({ error: err.message }, "attachment download failed");
        return errorReply(t, new UserError("discord.attachment_failed", { name: err.fileName.slice(0, 80) }));
      }
      throw err;
    });
    // Awaited below in every path; this only keeps a failure during the defer from counting as unhandled.
    pending.catch(() => undefined);
    const deferAfterMs = options.deferAfterMs ?? 1500;
    let timer: NodeJS.Timeout | undefined;
    const early = deferAfterMs <= 0 ? undefined : await Promise.race([pending, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), deferAfterMs)))]);
    clearTimeout(timer);
    if (early) {
      await answer(interaction, early, t, false, formInvocation, replacePrompt);
      acked("answered");
      return;
    }
    if (replacePrompt && interaction.isButton()) await interaction.deferUpdate();
    else await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    acked("deferred");
    await answer(interaction, await pending, t, true, formInvocation, replacePrompt);
  }

  async function answer(interaction: RepliableInteraction, reply: Reply, t: Translator, deferred: boolean, formInvocation?: Invocation, replacePrompt = false): Promise<void> {
    if (reply.form && !deferred && !interaction.isModalSubmit()) {
      await interaction.showModal(renderModal(reply.form));
      return;
    }
    const message = await renderMessage(reply.form ? { ...reply, blocks: reply.blocks.length ? reply.blocks : [{ type: "text", text: reply.form.title }] } : reply, services.files);
    // A modal cannot follow a defer or another modal: a button opens the form instead.
    const reopen = reply.form ? { command: reply.form.command, args: reply.form.args } : reply.error && reply.fieldErrors && formInvocation ? formInvocation : undefined;
    if (reopen) {
      message.components.push(...renderButtons([{ kind: "cd", invocation: reopen, label: t(reply.form ? "discord.form.open" : "discord.form.retry"), style: "primary" }]));
    }
    const body = interactionBody(message);
    if (deferred) {
      await interaction.editReply(body);
      return;
    }
    const fromMessage = interaction.isButton() || (interaction.isModalSubmit() && interaction.isFromMessage());
    if ((reply.replaceSource || replacePrompt) && fromMessage) {
      await (interaction as ButtonInteraction).update(body);
      return;
    }
    await interaction.reply({ ...body, flags: reply.private === false ? undefined : MessageFlags.Ephemeral });
  }

  return {
    client,
    budget,
    options,
    async login(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const ready = new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`Discord client not ready after ${timeoutMs} ms`)), timeoutMs);
        client.once(Events.ClientReady, () => resolve());
      });
      ready.catch(() => undefined);
      try {
        await client.login(options.token);
        await ready;
      } finally {
        clearTimeout(timer);
      }
      log.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, "discord client ready");
    },
    async destroy() {
      await client.destroy();
    },
  };
}
