import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction, type ModalSubmitInteraction } from "discord.js";
import type { Caller } from "../../core/command.ts";
import { errorReply } from "../../core/dispatch.ts";
import { UserError } from "../../errors.ts";
import type { FileStore } from "../../files/store.ts";
import { translator, type Translator } from "../../i18n.ts";
import { ackLatency } from "../../metrics.ts";
import type { Block, Invocation, Reply } from "../../reply.ts";
import { AttachmentDownloadError } from "./attachments.ts";
import type { ListenerDeps } from "./listeners/deps.ts";
import { fitsCustomId } from "./customId.ts";
import { interactionBody, renderMessages, renderModal } from "./render.ts";

export type RepliableInteraction = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

export interface AnswerOptions {
  /** The modal being submitted, offered again (as a button) when its fields had errors. */
  formInvocation?: Invocation;
  /** Answer in place of the message clicked: the "are you sure?" prompt. */
  replacePrompt?: boolean;
}

/**
 * Answers within Discord's 3 s: work done in time is answered directly (a form opens as a
 * modal); otherwise the interaction is deferred and the reply edited in when the work ends.
 * A failed attachment download is the user's to retry; any other failure is thrown to the listener.
 */
export async function respond(interaction: RepliableInteraction, caller: Caller, deps: ListenerDeps, work: () => Promise<Reply>, how: AnswerOptions = {}): Promise<void> {
  const t = translator(caller.locale);
  const started = process.hrtime.bigint();
  const acked = (kind: string) => ackLatency.observe({ platform: "discord", kind }, Number(process.hrtime.bigint() - started) / 1e9);
  const pending = work().catch((err: unknown) => {
    if (!(err instanceof AttachmentDownloadError)) throw err;
    deps.log.warn({ error: err.message }, "attachment download failed");
    return errorReply(t, new UserError("discord.attachment_failed", { name: err.fileName.slice(0, 80) }));
  });
  // Awaited below in every path; this only keeps a failure during the defer from counting as unhandled.
  pending.catch(() => undefined);
  const early = await settledWithin(pending, deps.options.deferAfterMs ?? 1500);
  if (early) {
    await answer(interaction, early, t, { ...how, deferred: false, files: deps.services.files });
    acked("answered");
    return;
  }
  if (how.replacePrompt && interaction.isButton()) await interaction.deferUpdate();
  else await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  acked("deferred");
  await answer(interaction, await pending, t, { ...how, deferred: true, files: deps.services.files });
}

/** The value, if it arrives within `ms` (never, for 0); a rejection within `ms` is thrown. */
async function settledWithin<T>(pending: Promise<T>, ms: number): Promise<T | undefined> {
  if (ms <= 0) return undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([pending, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function answer(interaction: RepliableInteraction, given: Reply, t: Translator, how: AnswerOptions & { deferred: boolean; files: FileStore }): Promise<void> {
  // A form carries its command's arguments in the modal's custom_id, or in the button that opens
  // it (100 characters); what a user typed can be longer than that once encoded: they are told
  // so, rather than shown an internal error.
  const reply: Reply = given.form && !fitsCustomId("cf", { command: given.form.command, args: given.form.args }) ? errorReply(t, new UserError("discord.too_long")) : given;
  if (reply.form && !how.deferred && !interaction.isModalSubmit()) {
    await interaction.showModal(renderModal(reply.form));
    return;
  }
  // A modal cannot follow a defer or another modal: a button opens the form instead.
  const reopen = reply.form ? { command: reply.form.command, args: reply.form.args } : reply.error && reply.fieldErrors && how.formInvocation ? how.formInvocation : undefined;
  const blocks: Block[] = reply.form && !reply.blocks.length ? [{ type: "text", text: reply.form.title }] : [...reply.blocks];
  if (reopen) blocks.push({ type: "buttons", buttons: [{ ...reopen, label: t(reply.form ? "discord.form.open" : "discord.form.retry"), style: "primary" }] });

  const fromMessage = interaction.isButton() || (interaction.isModalSubmit() && interaction.isFromMessage());
  // A deferred click (deferUpdate) edits the message clicked; otherwise only an answer that replaces its source does.
  const editsSource = how.deferred ? Boolean(how.replacePrompt && interaction.isButton()) : Boolean((reply.replaceSource || how.replacePrompt) && fromMessage);
  const sourceV2 = fromMessage && Boolean(interaction.message?.flags.has(MessageFlags.IsComponentsV2));
  // A V2 message never goes back to classic; a classic one is not turned into V2 (its content and
  // embeds would first have to be emptied): such an answer is posted instead of replacing the source.
  const [first, ...rest] = await renderMessages({ ...reply, blocks }, how.files, { componentsV2: editsSource && sourceV2 });
  const replaces = editsSource && Boolean(first.componentsV2) === sourceV2;
  // A deferred answer was made private when deferred; what follows it stays private too.
  const visibility = reply.private === false && !how.deferred ? 0 : MessageFlags.Ephemeral;

  if (how.deferred && (replaces || !editsSource)) await interaction.editReply(interactionBody(first));
  else if (how.deferred) await interaction.followUp(interactionBody(first, visibility));
  else if (replaces) await (interaction as ButtonInteraction).update(interactionBody(first));
  else await interaction.reply(interactionBody(first, visibility));
  // The rest of a reply too long for one message: follow-ups, in order, seen by the same people.
  for (const message of rest) await interaction.followUp(interactionBody(message, visibility));
}
