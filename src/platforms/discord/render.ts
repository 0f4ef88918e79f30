import {
  ButtonStyle,
  ComponentType,
  FileUploadBuilder,
  LabelBuilder,
  ModalBuilder,
  StringSelectMenuBuilder,
  StringSelectMenuOptionBuilder,
  TextInputBuilder,
  TextInputStyle,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIModalInteractionResponseCallbackData,
} from "discord.js";
import type { FileStore } from "../../files/store.ts";
import type { ButtonSpec, FormField, FormSpec, Invocation, Reply } from "../../reply.ts";
import { encodeCustomId, type CustomIdKind } from "./customId.ts";

/**
 * The one renderer from the neutral Reply to Discord: embeds for structured content, plain
 * content for a short text, action rows of buttons, and modals built from labels (the modal
 * layout Discord introduced with the file upload component). Limits are Discord's, enforced
 * here by truncation so that a long memo never turns a reply into a 400.
 */

export interface RenderedFile {
  name: string;
  data: Buffer;
  contentType: string;
  /** Alt text: Discord's attachment description. */
  description?: string;
}

export interface RenderedMessage {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponentWithCustomId>[];
  files: RenderedFile[];
}

const LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  fields: 25,
  footer: 2048,
  embeds: 10,
  buttonLabel: 80,
  buttonsPerRow: 5,
  rows: 5,
  modalTitle: 45,
  label: 45,
  labelDescription: 100,
  placeholder: 100,
  selectOptions: 25,
  optionText: 100,
  modalFields: 5,
} as const;

const COLOR = { normal: 0x5865f2, error: 0xed4245 } as const;

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}

const EXTENSIONS: Record<string, string> = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif" };

export function buttonStyle(style: ButtonSpec["style"]): ButtonStyle.Primary | ButtonStyle.Danger | ButtonStyle.Secondary {
  if (style === "primary") return ButtonStyle.Primary;
  if (style === "danger") return ButtonStyle.Danger;
  return ButtonStyle.Secondary;
}

/** Rows of buttons; custom_ids in one message must be unique, so repeats get a suffix. */
export function renderButtons(buttons: { kind: CustomIdKind; invocation: Invocation; label: string; style: ButtonSpec["style"] }[]) {
  const seen = new Map<string, number>();
  const components = buttons.map((b): APIButtonComponentWithCustomId => {
    let customId = encodeCustomId(b.kind, b.invocation);
    const count = seen.get(customId) ?? 0;
    seen.set(customId, count + 1);
    if (count > 0) customId = encodeCustomId(b.kind, b.invocation, count);
    return { type: ComponentType.Button, custom_id: customId, label: truncate(b.label, LIMITS.buttonLabel), style: buttonStyle(b.style) };
  });
  const rows: APIActionRowComponent<APIButtonComponentWithCustomId>[] = [];
  for (let i = 0; i < components.length && rows.length < LIMITS.rows; i += LIMITS.buttonsPerRow) {
    rows.push({ type: ComponentType.ActionRow, components: components.slice(i, i + LIMITS.buttonsPerRow) });
  }
  return rows;
}

/**
 * A reply of plain text becomes message content (Discord's idiom for a short answer); anything
 * with a header, fields or an image becomes embeds. Text that follows fields opens a new embed
 * so the order the command wrote is the order the reader sees.
 */
export async function renderMessage(reply: Reply, files?: FileStore): Promise<RenderedMessage> {
  const components = renderButtons(buttonsOf(reply));
  const structured = reply.blocks.some((b) => b.type === "header" || b.type === "fields" || b.type === "image" || b.type === "file");
  if (!structured) return { content: plainContent(reply), embeds: [], components, files: [] };
  const { embeds, rendered } = await renderEmbeds(reply, files);
  return { content: "", embeds, components, files: rendered };
}

function buttonsOf(reply: Reply): Parameters<typeof renderButtons>[0] {
  const buttons: Parameters<typeof renderButtons>[0] = [];
  for (const block of reply.blocks) {
    if (block.type !== "buttons") continue;
    for (const b of block.buttons) buttons.push({ kind: b.confirm ? "ck" : "cd", invocation: { command: b.command, args: b.args }, label: b.label, style: b.style });
  }
  return buttons;
}

function plainContent(reply: Reply): string {
  const lines: string[] = [];
  for (const block of reply.blocks) {
    if (block.type === "text") lines.push(block.text);
    else if (block.type === "context") lines.push(`-# ${block.text}`);
    else if (block.type === "link") lines.push(`[${block.label}](${block.url})`);
    else if (block.type === "copy") lines.push(copyLines(block.label, block.value));
    else if (block.type === "divider") lines.push("");
  }
  return truncate(lines.join("\n").trim() || reply.summary || "…", LIMITS.content);
}

async function renderEmbeds(reply: Reply, files?: FileStore): Promise<{ embeds: APIEmbed[]; rendered: RenderedFile[] }> {
  const embeds: APIEmbed[] = [];
  const rendered: RenderedFile[] = [];
  const color = reply.error ? COLOR.error : COLOR.normal;
  let current: APIEmbed & { lines: string[]; footer_lines: string[] } = fresh();
  function fresh() {
    return { color, lines: [] as string[], footer_lines: [] as string[] };
  }
  function flush() {
    const { lines, footer_lines, ...embed } = current;
    const description = lines.join("\n").trim();
    if (description) embed.description = truncate(description, LIMITS.description);
    if (footer_lines.length) embed.footer = { text: truncate(footer_lines.join(" · "), LIMITS.footer) };
    if (embed.title || embed.description || embed.fields?.length || embed.image || embed.footer) embeds.push(embed);
    current = fresh();
  }

  for (const block of reply.blocks) {
    switch (block.type) {
      case "header":
        if (current.title || current.lines.length || current.fields?.length) flush();
        current.title = truncate(block.text, LIMITS.title);
        break;
      case "text":
        if (current.fields?.length || current.image) flush();
        current.lines.push(block.text);
        break;
      case "link":
        if (current.fields?.length || current.image) flush();
        current.lines.push(`[${block.label}](${block.url})`);
        break;
      case "copy":
        if (current.fields?.length || current.image) flush();
        current.lines.push(copyLines(block.label, block.value));
        break;
      case "divider":
        current.lines.push("");
        break;
      case "context":
        current.footer_lines.push(block.text);
        break;
      case "fields":
        current.fields ??= [];
        for (const field of block.fields) {
          if (current.fields.length >= LIMITS.fields) break;
          current.fields.push({ name: truncate(field.label || "\u200b", LIMITS.fieldName), value: truncate(field.value || "\u200b", LIMITS.fieldValue), inline: field.value.length <= 40 });
        }
        break;
      case "image": {
        const bytes = files ? await files.get(block.sha256) : null;
        if (!bytes) {
          current.lines.push(`🖼️ ${block.alt}`);
          break;
        }
        if (current.image) flush();
        const name = `${block.sha256.slice(0, 16)}.${EXTENSIONS[block.mime] ?? "bin"}`;
        if (!rendered.some((f) => f.name === name)) rendered.push({ name, data: Buffer.from(bytes), contentType: block.mime });
        current.image = { url: `attachment://${name}` };
        break;
      }
      case "file": {
        // Sent with the message as an attachment; a picture is shown in the embed that names it.
        if (current.image) flush();
        const name = attachmentName(block.name);
        if (!rendered.some((f) => f.name === name)) rendered.push({ name, data: Buffer.from(block.bytes), contentType: block.mime, description: truncate(block.alt, 1024) });
        if (block.mime.startsWith("image/")) {
          current.image = { url: `attachment://${name}` };
        } else {
          current.lines.push(`📎 ${block.title}`);
        }
        break;
      }
      case "buttons":
        break;
    }
  }
  flush();
  return { embeds: embeds.slice(0, LIMITS.embeds), rendered };
}

/** `attachment://` names allow letters, digits, dots, dashes and underscores only. */
function attachmentName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_").slice(-100) || "file";
}

/** A value to copy, in a code block of its own (Discord shows a copy button on it). */
function copyLines(label: string, value: string): string {
  return `**${label}**\n\`\`\`\n${value.replace(/`/g, "'")}\n\`\`\``;
}

/** A modal from a FormSpec: each field a Label around its input; the invocation rides in custom_id. */
export function renderModal(form: FormSpec): APIModalInteractionResponseCallbackData {
  const modal = new ModalBuilder().setCustomId(encodeCustomId("cf", { command: form.command, args: form.args })).setTitle(truncate(form.title, LIMITS.modalTitle));
  if (form.fields.length > LIMITS.modalFields) throw new Error(`a Discord modal holds ${LIMITS.modalFields} fields; form ${form.command} has ${form.fields.length}`);
  for (const field of form.fields) modal.addLabelComponents(renderField(field));
  return modal.toJSON();
}

function renderField(field: FormField): LabelBuilder {
  const label = new LabelBuilder().setLabel(truncate(field.label, LIMITS.label));
  if (field.hint) label.setDescription(truncate(field.hint, LIMITS.labelDescription));
  switch (field.kind) {
    case "text":
    case "number": {
      const input = new TextInputBuilder()
        .setCustomId(field.name)
        .setStyle(field.kind === "text" && field.multiline ? TextInputStyle.Paragraph : TextInputStyle.Short)
        .setRequired(field.required);
      if (field.placeholder) input.setPlaceholder(truncate(field.placeholder, LIMITS.placeholder));
      if (field.initial) input.setValue(field.initial);
      if (field.kind === "text" && field.maxLength) input.setMaxLength(Math.min(field.maxLength, 4000));
      return label.setTextInputComponent(input);
    }
    case "select": {
      const select = new StringSelectMenuBuilder()
        .setCustomId(field.name)
        .setRequired(field.required)
        .setMinValues(field.required ? 1 : 0)
        .setMaxValues(1)
        .addOptions(
          field.options.slice(0, LIMITS.selectOptions).map((o) => {
            const option = new StringSelectMenuOptionBuilder().setValue(truncate(o.value, LIMITS.optionText)).setLabel(truncate(o.label, LIMITS.optionText));
            if (o.description) option.setDescription(truncate(o.description, LIMITS.optionText));
            if (field.initial === o.value) option.setDefault(true);
            return option;
          }),
        );
      return label.setStringSelectMenuComponent(select);
    }
    case "file": {
      // A hint to the picker only: Discord still accepts any file, so the core checks the bytes.
      const upload = new FileUploadBuilder().setCustomId(field.name).setRequired(field.required).setMinValues(field.required ? 1 : 0).setMaxValues(1).setFileTypes("image");
      return label.setFileUploadComponent(upload);
    }
  }
}

/** The fields of a message body for the REST API (support cards, DMs, card edits). */
export function restBody(message: RenderedMessage, options: { edit?: boolean } = {}) {
  const body: Record<string, unknown> = {
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    allowed_mentions: { parse: [] },
  };
  if (message.files.length || options.edit) {
    // On an edit, listing attachments replaces the old ones: a re-rendered card carries its image again.
    body.attachments = message.files.map((f, id) => ({ id, filename: f.name }));
  }
  return { body, files: message.files.map((f) => ({ name: f.name, data: f.data, contentType: f.contentType })) };
}

/** The same, in the shape discord.js interaction responses take. */
export function interactionBody(message: RenderedMessage) {
  return {
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    files: message.files.map((f) => ({ attachment: f.data, name: f.name, contentType: f.contentType, ...(f.description ? { description: f.description } : {}) })),
    allowedMentions: { parse: [] as [] },
  };
}
