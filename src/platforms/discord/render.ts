import {
  ButtonStyle,
  ComponentType,
  FileUploadBuilder,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  StringSelectMenuBuilder,
  StringSelectMenuOptionBuilder,
  TextInputBuilder,
  TextInputStyle,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIMessageTopLevelComponent,
  type APIModalInteractionResponseCallbackData,
} from "discord.js";
import type { FileStore } from "../../files/store.ts";
import type { Block, ButtonSpec, FormField, FormSpec, Invocation, Reply } from "../../reply.ts";
import { encodeCustomId, fitsCustomId, type CustomIdKind } from "./customId.ts";
import { discordMarkdown, discordPlain } from "./markdown.ts";

/**
 * The one renderer from the neutral Reply to Discord. Reply text is markup (src/core/markup.ts),
 * drawn as Discord markdown by markdown.ts; labels Discord shows as plain text get plain words.
 *
 * Two layouts:
 * - Classic (the default): a short text is message content; anything with a header, fields or an
 *   image is embeds; the buttons follow in action rows. A support card is always classic: it is
 *   one message, edited in place, and a message once sent with IS_COMPONENTS_V2 can never lose it.
 * - Components V2 (flag IS_COMPONENTS_V2, 1 << 15): for a reply whose buttons belong to the text
 *   above them (a queue: one section per order, each with its own row of buttons), or one that
 *   does not fit a classic message. A classic message draws all its action rows (at most 5) under
 *   all of its text, so an order's buttons cannot sit next to its order, and a sixth row is
 *   refused. V2 interleaves Text Display and Action Row components, up to 40 components in all
 *   (buttons included) and 4,000 characters of text a message (Discord's Component Reference and
 *   its change log of 29 April 2025). What does not fit goes into the next message, sections kept
 *   whole: the interaction's reply, then follow-ups. Nothing is dropped.
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
  components: APIMessageTopLevelComponent[];
  files: RenderedFile[];
  /** Sent with IS_COMPONENTS_V2: components only, no content and no embeds. */
  componentsV2?: boolean;
}

export const LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  fields: 25,
  footer: 2048,
  embeds: 10,
  embedCharacters: 6000,
  buttonLabel: 80,
  buttonsPerRow: 5,
  rows: 5,
  v2Components: 40,
  v2Text: 4000,
  galleryDescription: 1024,
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

type ButtonInput = { kind: CustomIdKind; invocation: Invocation; label: string; style: ButtonSpec["style"] };
type ActionRow = APIActionRowComponent<APIButtonComponentWithCustomId>;

/** custom_ids in one message must be unique, so a repeat gets a suffix (the invocation stays the same). */
class ButtonMaker {
  private readonly seen = new Map<string, number>();

  button(b: ButtonInput): APIButtonComponentWithCustomId {
    let customId = encodeCustomId(b.kind, b.invocation);
    const count = this.seen.get(customId) ?? 0;
    this.seen.set(customId, count + 1);
    if (count > 0) customId = encodeCustomId(b.kind, b.invocation, count);
    return { type: ComponentType.Button, custom_id: customId, label: truncate(discordPlain(b.label), LIMITS.buttonLabel), style: buttonStyle(b.style) };
  }

  rows(buttons: ButtonInput[]): ActionRow[] {
    // A button whose invocation carries a value the user typed (a "Try again" with what they
    // sent) can be longer than a custom_id holds: the message goes out without that button
    // rather than not at all. Our own buttons carry ids and order numbers, which always fit.
    const components = buttons.filter((b) => fitsCustomId(b.kind, b.invocation)).map((b) => this.button(b));
    const rows: ActionRow[] = [];
    for (let i = 0; i < components.length; i += LIMITS.buttonsPerRow) {
      rows.push({ type: ComponentType.ActionRow, components: components.slice(i, i + LIMITS.buttonsPerRow) });
    }
    return rows;
  }
}

/** Rows of buttons for a prompt of our own (at most 5 rows: the prompts hold two buttons). */
export function renderButtons(buttons: ButtonInput[]): ActionRow[] {
  return new ButtonMaker().rows(buttons).slice(0, LIMITS.rows);
}

function buttonInputs(block: Extract<Block, { type: "buttons" }>): ButtonInput[] {
  return block.buttons.map((b) => ({ kind: b.confirm ? "ck" : "cd", invocation: { command: b.command, args: b.args }, label: b.label, style: b.style }));
}

/**
 * One classic message, whatever the reply: what a support card and its edits are. Past Discord's
 * limits it is cut (5 rows, 10 embeds); use renderMessages where the reader must see everything.
 */
export async function renderMessage(reply: Reply, files?: FileStore): Promise<RenderedMessage> {
  const message = await renderClassic(reply, files);
  return { ...message, embeds: message.embeds.slice(0, LIMITS.embeds), components: message.components.slice(0, LIMITS.rows) };
}

/**
 * Every message the reply takes, in order: one classic message when it fits and its buttons all
 * come after its content; otherwise Components V2 messages (see the top of this file).
 * `componentsV2` forces the V2 layout (an answer that replaces a V2 message must be V2 too).
 */
export async function renderMessages(reply: Reply, files?: FileStore, options: { componentsV2?: boolean } = {}): Promise<RenderedMessage[]> {
  if (!options.componentsV2 && !buttonsAmidContent(reply)) {
    const classic = await renderClassic(reply, files);
    if (fitsClassic(classic)) return [classic];
  }
  return renderComponentsV2(reply, files);
}

/** True when some content follows a row of buttons: those buttons belong to the text above them. */
export function buttonsAmidContent(reply: Reply): boolean {
  let seenButtons = false;
  for (const block of reply.blocks) {
    if (block.type === "buttons") seenButtons = true;
    else if (seenButtons && block.type !== "context" && block.type !== "divider") return true;
  }
  return false;
}

function fitsClassic(message: RenderedMessage): boolean {
  if (message.components.length > LIMITS.rows || message.embeds.length > LIMITS.embeds) return false;
  if (message.content.length > LIMITS.content) return false;
  return embedCharacters(message.embeds) <= LIMITS.embedCharacters;
}

/** Discord counts title, description, field names and values, footer and author against 6,000. */
function embedCharacters(embeds: APIEmbed[]): number {
  let total = 0;
  for (const e of embeds) {
    total += (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.author?.name.length ?? 0);
    for (const f of e.fields ?? []) total += f.name.length + f.value.length;
  }
  return total;
}

// ---- classic: content or embeds, then action rows ----

async function renderClassic(reply: Reply, files?: FileStore): Promise<RenderedMessage> {
  const maker = new ButtonMaker();
  const components = maker.rows(reply.blocks.flatMap((b) => (b.type === "buttons" ? buttonInputs(b) : [])));
  const structured = reply.blocks.some((b) => b.type === "header" || b.type === "fields" || b.type === "image" || b.type === "file");
  if (!structured) return { content: plainContent(reply), embeds: [], components, files: [] };
  const { embeds, rendered } = await renderEmbeds(reply, files);
  return { content: "", embeds, components, files: rendered };
}

function plainContent(reply: Reply): string {
  const lines: string[] = [];
  for (const block of reply.blocks) {
    if (block.type === "text") lines.push(discordMarkdown(block.text));
    else if (block.type === "context") lines.push(subtext(block.text));
    else if (block.type === "link") lines.push(link(block.label, block.url));
    else if (block.type === "copy") lines.push(copyLines(block.label, block.value));
    else if (block.type === "divider") lines.push("");
  }
  return lines.join("\n").trim() || discordMarkdown(reply.summary ?? "") || "…";
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
        current.title = truncate(discordMarkdown(block.text), LIMITS.title);
        break;
      case "text":
        if (current.fields?.length || current.image) flush();
        current.lines.push(discordMarkdown(block.text));
        break;
      case "link":
        if (current.fields?.length || current.image) flush();
        current.lines.push(link(block.label, block.url));
        break;
      case "copy":
        if (current.fields?.length || current.image) flush();
        current.lines.push(copyLines(block.label, block.value));
        break;
      case "divider":
        current.lines.push("");
        break;
      case "context":
        // A footer shows no markdown and no timestamps: a context that needs them is subtext instead.
        if (block.text === discordPlain(block.text)) current.footer_lines.push(block.text);
        else current.lines.push(subtext(block.text));
        break;
      case "fields":
        for (const field of block.fields) {
          // Past 25 fields the rest go on in another embed rather than disappear.
          if ((current.fields?.length ?? 0) >= LIMITS.fields) flush();
          current.fields ??= [];
          const value = discordMarkdown(field.value);
          current.fields.push({ name: truncate(discordMarkdown(field.label) || "\u200b", LIMITS.fieldName), value: truncate(value || "\u200b", LIMITS.fieldValue), inline: discordPlain(field.value).length <= 40 });
        }
        break;
      case "image": {
        const attached = await imageFile(block, files);
        if (!attached) {
          current.lines.push(`🖼️ ${discordMarkdown(block.alt)}`);
          break;
        }
        if (current.image) flush();
        if (!rendered.some((f) => f.name === attached.name)) rendered.push(attached);
        current.image = { url: `attachment://${attached.name}` };
        break;
      }
      case "file": {
        // Sent with the message as an attachment; a picture is shown in the embed that names it.
        if (current.image) flush();
        const attached = fileOf(block);
        if (!rendered.some((f) => f.name === attached.name)) rendered.push(attached);
        if (block.mime.startsWith("image/")) current.image = { url: `attachment://${attached.name}` };
        else current.lines.push(`📎 ${discordMarkdown(block.title)}`);
        break;
      }
      case "buttons":
        break;
    }
  }
  flush();
  return { embeds, rendered };
}

// ---- Components V2: sections of text, each with its own rows of buttons ----

interface Unit {
  components: APIMessageTopLevelComponent[];
  files: RenderedFile[];
}

/** Components as Discord counts them: every component, nested ones (the buttons in a row) included. */
export function componentCount(components: readonly APIMessageTopLevelComponent[]): number {
  let count = 0;
  for (const c of components) {
    count += 1;
    if ("components" in c && Array.isArray(c.components)) count += componentCount(c.components as APIMessageTopLevelComponent[]);
    if (c.type === ComponentType.Section) count += 1;
  }
  return count;
}

/** Characters of text, which Discord caps at 4,000 across a V2 message. */
export function textLength(components: readonly APIMessageTopLevelComponent[]): number {
  let total = 0;
  for (const c of components) {
    if (c.type === ComponentType.TextDisplay) total += c.content.length;
    if ("components" in c && Array.isArray(c.components)) total += textLength(c.components as APIMessageTopLevelComponent[]);
  }
  return total;
}

/** What the first line of a message after the first costs: "-# (2/3)". */
const CONTINUATION = { components: 1, text: 16 } as const;

async function renderComponentsV2(reply: Reply, files?: FileStore): Promise<RenderedMessage[]> {
  const units = await sectionsOf(reply, files);
  const budget = { components: LIMITS.v2Components - CONTINUATION.components, text: LIMITS.v2Text - CONTINUATION.text };
  const parts: Unit[] = [];
  let current: Unit = { components: [], files: [] };
  const fits = (unit: Unit, into: Unit) =>
    componentCount([...into.components, ...unit.components]) <= budget.components && textLength([...into.components, ...unit.components]) <= budget.text;
  const place = (unit: Unit) => {
    if (current.components.length && !fits(unit, current)) {
      parts.push(current);
      current = { components: [], files: [] };
    }
    current.components.push(...unit.components);
    for (const f of unit.files) if (!current.files.some((g) => g.name === f.name)) current.files.push(f);
  };
  for (const unit of units) {
    if (fits(unit, { components: [], files: [] })) {
      place(unit);
      continue;
    }
    // A section too big for any message alone: its parts one by one, text cut to what a message holds.
    for (const component of unit.components) {
      const one = component.type === ComponentType.TextDisplay ? { ...component, content: truncate(component.content, budget.text) } : component;
      place({ components: [one], files: unit.files.filter((f) => JSON.stringify(one).includes(`attachment://${f.name}`)) });
    }
  }
  if (current.components.length || parts.length === 0) parts.push(current);
  return parts.map((part, index) => ({
    content: "",
    embeds: [],
    components: index === 0 || parts.length === 1 ? part.components : [{ type: ComponentType.TextDisplay, content: `-# (${index + 1}/${parts.length})` }, ...part.components],
    files: part.files,
    componentsV2: true,
  }));
}

/** The reply cut into sections: the content up to a row of buttons, and those buttons; then what follows. */
async function sectionsOf(reply: Reply, files?: FileStore): Promise<Unit[]> {
  const maker = new ButtonMaker();
  const units: Unit[] = [];
  let unit: Unit = { components: [], files: [] };
  let lines: string[] = [];
  const flushText = () => {
    const content = lines.join("\n").trim();
    if (content) unit.components.push({ type: ComponentType.TextDisplay, content });
    lines = [];
  };
  const closeUnit = () => {
    flushText();
    if (unit.components.length) units.push(unit);
    unit = { components: [], files: [] };
  };
  const attach = (file: RenderedFile) => {
    if (!unit.files.some((f) => f.name === file.name)) unit.files.push(file);
  };

  for (const block of reply.blocks) {
    switch (block.type) {
      case "header":
        lines.push(`### ${discordMarkdown(block.text)}`);
        break;
      case "text":
        lines.push(discordMarkdown(block.text));
        break;
      case "fields":
        for (const field of block.fields) lines.push(`**${discordMarkdown(field.label)}**: ${discordMarkdown(field.value)}`);
        break;
      case "copy":
        lines.push(copyLines(block.label, block.value));
        break;
      case "link":
        lines.push(link(block.label, block.url));
        break;
      case "divider":
        lines.push("");
        break;
      case "context":
        lines.push(subtext(block.text));
        break;
      case "image": {
        const attached = await imageFile(block, files);
        if (!attached) {
          lines.push(`🖼️ ${discordMarkdown(block.alt)}`);
          break;
        }
        flushText();
        attach(attached);
        unit.components.push({ type: ComponentType.MediaGallery, items: [{ media: { url: `attachment://${attached.name}` }, description: truncate(discordPlain(block.alt), LIMITS.galleryDescription) }] });
        break;
      }
      case "file": {
        flushText();
        const attached = fileOf(block);
        attach(attached);
        unit.components.push(
          block.mime.startsWith("image/")
            ? { type: ComponentType.MediaGallery, items: [{ media: { url: `attachment://${attached.name}` }, description: truncate(discordPlain(block.alt), LIMITS.galleryDescription) }] }
            : { type: ComponentType.File, file: { url: `attachment://${attached.name}` } },
        );
        break;
      }
      case "buttons":
        flushText();
        unit.components.push(...maker.rows(buttonInputs(block)));
        closeUnit();
        break;
    }
  }
  closeUnit();
  if (units.length === 0) units.push({ components: [{ type: ComponentType.TextDisplay, content: discordMarkdown(reply.summary ?? "") || "…" }], files: [] });
  return units;
}

// ---- pieces shared by both layouts ----

function subtext(text: string): string {
  return `-# ${discordMarkdown(text)}`;
}

/** A masked link: the label escaped, the URL kept from closing the parenthesis early. */
function link(label: string, url: string): string {
  return `[${discordMarkdown(label)}](${url.replace(/[()\s]/g, (c) => encodeURIComponent(c))})`;
}

async function imageFile(block: Extract<Block, { type: "image" }>, files?: FileStore): Promise<RenderedFile | null> {
  const bytes = files ? await files.get(block.sha256) : null;
  if (!bytes) return null;
  return { name: `${block.sha256.slice(0, 16)}.${EXTENSIONS[block.mime] ?? "bin"}`, data: Buffer.from(bytes), contentType: block.mime };
}

function fileOf(block: Extract<Block, { type: "file" }>): RenderedFile {
  return { name: attachmentName(block.name), data: Buffer.from(block.bytes), contentType: block.mime, description: truncate(discordPlain(block.alt), 1024) };
}

/** `attachment://` names allow letters, digits, dots, dashes and underscores only. */
function attachmentName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_").slice(-100) || "file";
}

/** A value to copy, in a code block of its own (Discord shows a copy button on it); nothing inside a code block is markdown. */
function copyLines(label: string, value: string): string {
  return `**${discordMarkdown(label)}**\n\`\`\`\n${value.replace(/`/g, "'")}\n\`\`\``;
}

// ---- modals ----

/** A modal from a FormSpec: each field a Label around its input; the invocation rides in custom_id. */
export function renderModal(form: FormSpec): APIModalInteractionResponseCallbackData {
  const modal = new ModalBuilder().setCustomId(encodeCustomId("cf", { command: form.command, args: form.args })).setTitle(truncate(discordPlain(form.title), LIMITS.modalTitle));
  if (form.fields.length > LIMITS.modalFields) throw new Error(`a Discord modal holds ${LIMITS.modalFields} fields; form ${form.command} has ${form.fields.length}`);
  for (const field of form.fields) modal.addLabelComponents(renderField(field));
  return modal.toJSON();
}

function renderField(field: FormField): LabelBuilder {
  const label = new LabelBuilder().setLabel(truncate(discordPlain(field.label), LIMITS.label));
  if (field.hint) label.setDescription(truncate(discordPlain(field.hint), LIMITS.labelDescription));
  switch (field.kind) {
    case "text":
    case "number": {
      const input = new TextInputBuilder()
        .setCustomId(field.name)
        .setStyle(field.kind === "text" && field.multiline ? TextInputStyle.Paragraph : TextInputStyle.Short)
        .setRequired(field.required);
      if (field.placeholder) input.setPlaceholder(truncate(discordPlain(field.placeholder), LIMITS.placeholder));
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
            const option = new StringSelectMenuOptionBuilder().setValue(truncate(o.value, LIMITS.optionText)).setLabel(truncate(discordPlain(o.label), LIMITS.optionText));
            if (o.description) option.setDescription(truncate(discordPlain(o.description), LIMITS.optionText));
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

// ---- bodies ----

/**
 * The fields of a message body for the REST API (support cards, DMs, card edits). A V2 message
 * carries no content and no embeds (Discord answers 400 to either); allowed_mentions goes on every
 * body, edits included, since an edit without it is parsed with Discord's default allowances.
 */
export function restBody(message: RenderedMessage, options: { edit?: boolean } = {}) {
  const body: Record<string, unknown> = message.componentsV2
    ? { components: message.components, flags: MessageFlags.IsComponentsV2, allowed_mentions: { parse: [] } }
    : { content: message.content, embeds: message.embeds, components: message.components, allowed_mentions: { parse: [] } };
  if (message.files.length || options.edit) {
    // On an edit, listing attachments replaces the old ones: a re-rendered card carries its image again.
    body.attachments = message.files.map((f, id) => ({ id, filename: f.name }));
  }
  return { body, files: message.files.map((f) => ({ name: f.name, data: f.data, contentType: f.contentType })) };
}

/** The same, in the shape discord.js interaction responses take; `flags` are the ones the caller adds (ephemeral). */
export function interactionBody(message: RenderedMessage, flags = 0) {
  const files = message.files.map((f) => ({ attachment: f.data, name: f.name, contentType: f.contentType, ...(f.description ? { description: f.description } : {}) }));
  const allowedMentions = { parse: [] as [], repliedUser: false };
  if (message.componentsV2) {
    return { components: message.components, files, allowedMentions, flags: flags | MessageFlags.IsComponentsV2 };
  }
  return { content: message.content, embeds: message.embeds, components: message.components, files, allowedMentions, ...(flags ? { flags } : {}) };
}
