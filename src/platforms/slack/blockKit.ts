import { plainText } from "../../core/markup.ts";
import type { Block, ButtonSpec, FormField, FormSpec, Reply } from "../../reply.ts";
import { actionId, encodeButtonValue, encodeFormContext, FORM_CALLBACK_ID, RESULT_CALLBACK_ID, type FormContext } from "./invocations.ts";
import { escapedWithin, inlineMrkdwn, literalMrkdwn } from "./mrkdwn.ts";

export { escapeMrkdwn } from "./mrkdwn.ts";

/**
 * The one renderer from the neutral Reply to Block Kit: messages, modals, the App Home.
 * Slack's limits (docs.slack.dev/reference/block-kit) are applied here so a long text is cut
 * rather than making Slack refuse the whole message with invalid_blocks.
 *
 * Reply text carries the inline markup of src/core/markup.ts. Where Slack takes mrkdwn (sections,
 * fields, context) it is drawn natively (mrkdwn.ts), times in each reader's own zone; where Slack
 * takes only plain_text (headers, buttons, modal titles and labels, options, the notification
 * text) the markup is dropped and times are written in UTC.
 */

// Block Kit JSON, as Slack's API takes it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SlackBlock = Record<string, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SlackView = Record<string, any>;

/** Turns a stored screenshot into a link a support member's browser can open, when possible. */
export interface ScreenshotLinks {
  urlFor(sha256: string): string | undefined;
}

export interface RenderOptions {
  screenshots?: ScreenshotLinks;
}

const LIMITS = {
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  header: 150,
  buttonText: 75,
  buttonsPerBlock: 25,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  contextText: 2000,
  modalTitle: 24,
  modalButton: 24,
  inputLabel: 2000,
  hint: 2000,
  placeholder: 150,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  options: 100,
  messageBlocks: 50,
  viewBlocks: 100,
  fallbackText: 3000,
  /** A field's label, so that its value always has room. */
  fieldLabel: 300,
  linkLabel: 500,
} as const;

export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

const plain = (text: string, max: number) => ({ type: "plain_text", text: clip(plainText(text) || " ", max), emoji: true });
/**
 * `verbatim: true`: Slack would otherwise turn a bare URL, a #channel or an @here typed in a
 * customer's note into a link or a mention; our own links and dates are written out in full.
 */
const mrkdwnObject = (text: string) => ({ type: "mrkdwn", text, verbatim: true });
const mrkdwn = (text: string, max: number) => mrkdwnObject(inlineMrkdwn(text, max));

export function renderButton(button: ButtonSpec, position: number): SlackBlock {
  const element: SlackBlock = {
    type: "button",
    action_id: actionId(button.command, position),
    text: plain(button.label, LIMITS.buttonText),
    value: encodeButtonValue(button),
  };
  if (button.style === "primary" || button.style === "danger") element.style = button.style;
  if (button.confirm) {
    element.confirm = {
      title: plain(button.confirm.title, LIMITS.confirmTitle),
      text: plain(button.confirm.text, LIMITS.confirmText),
      confirm: plain(button.confirm.confirm, LIMITS.confirmButton),
      deny: plain(button.confirm.deny, LIMITS.confirmButton),
      ...(button.style === "danger" ? { style: "danger" } : {}),
    };
  }
  return element;
}

/** The blocks of a reply; `withButtons: false` drops its buttons (a decided card, a summary). */
export function renderBlocks(blocks: Block[], options: RenderOptions & { withButtons?: boolean } = {}): SlackBlock[] {
  const out: SlackBlock[] = [];
  let buttonPosition = 0;
  for (const block of blocks) {
    switch (block.type) {
      case "header":
        out.push({ type: "header", text: plain(block.text, LIMITS.header) });
        break;
      case "text":
        out.push({ type: "section", text: mrkdwn(block.text, LIMITS.sectionText) });
        break;
      case "fields":
        for (let i = 0; i < block.fields.length; i += LIMITS.fieldsPerSection) {
          out.push({
            type: "section",
            fields: block.fields.slice(i, i + LIMITS.fieldsPerSection).map((f) => mrkdwnObject(fieldText(f.label, f.value || "—"))),
          });
        }
        break;
      case "copy": {
        const label = `*${inlineMrkdwn(block.label, LIMITS.fieldLabel, { inBold: true })}*`;
        const value = `\`${escapedWithin(block.value.replace(/`/g, "'"), LIMITS.sectionText - [...label].length - 3)}\``;
        out.push({ type: "section", text: mrkdwnObject(`${label}\n${value}`) });
        break;
      }
      case "image": {
        // Slack downloads image_url itself when the message is posted and refuses the whole
        // message if it cannot; a link only needs the reader's browser to reach us.
        const url = options.screenshots?.urlFor(block.sha256);
        if (url) out.push({ type: "section", text: mrkdwnObject(`🖼 ${linkMrkdwn(url, clip(plainText(block.alt), LIMITS.linkLabel))}`) });
        out.push({ type: "context", elements: [mrkdwnObject(`${inlineMrkdwn(block.alt, LIMITS.contextText - 40)} · sha256 \`${block.sha256.slice(0, 16)}…\``)] });
        break;
      }
      case "link":
        out.push({ type: "section", text: mrkdwnObject(linkMrkdwn(block.url, clip(plainText(block.label), LIMITS.linkLabel))) });
        break;
      case "buttons": {
        if (options.withButtons === false || block.buttons.length === 0) break;
        for (let i = 0; i < block.buttons.length; i += LIMITS.buttonsPerBlock) {
          out.push({
            type: "actions",
            elements: block.buttons.slice(i, i + LIMITS.buttonsPerBlock).map((b) => renderButton(b, buttonPosition++)),
          });
        }
        break;
      }
      case "divider":
        out.push({ type: "divider" });
        break;
      case "context":
        out.push({ type: "context", elements: [mrkdwn(block.text, LIMITS.contextText)] });
        break;
      case "file":
        // Block Kit cannot carry the bytes: the answerer shares the file and says where.
        out.push({ type: "context", elements: [mrkdwn(`📎 ${block.title}`, LIMITS.contextText)] });
        break;
    }
  }
  return out;
}

/** A field: its label in bold over its value. */
function fieldText(label: string, value: string): string {
  const boldLabel = `*${inlineMrkdwn(label, LIMITS.fieldLabel, { inBold: true })}*`;
  return `${boldLabel}\n${inlineMrkdwn(value, LIMITS.fieldText - [...boldLabel].length - 1)}`;
}

/** A link in mrkdwn: the label may not contain the characters that end the link. */
export function linkMrkdwn(url: string, label: string): string {
  if (!/^https?:\/\//i.test(url)) return literalMrkdwn(label);
  const safeUrl = url.replace(/[|<>\s]/g, encodeURIComponent);
  return `<${safeUrl}|${literalMrkdwn(label).replace(/\|/g, "¦")}>`;
}

/** A message body for chat.postMessage / chat.update / response_url. */
export function renderMessage(reply: Reply, options: RenderOptions & { withButtons?: boolean } = {}): { text: string; blocks: SlackBlock[] } {
  const blocks = renderBlocks(reply.blocks, options).slice(0, LIMITS.messageBlocks);
  return { text: fallbackText(reply), blocks };
}

/**
 * The message's top-level `text`: what notifications and screen readers show. Slack reads it as
 * mrkdwn too, so it is escaped like any text; times are in UTC there (no date formatting).
 */
export function fallbackText(reply: Reply): string {
  const source = reply.summary || reply.blocks.find((b): b is Extract<Block, { type: "header" | "text" }> => b.type === "header" || b.type === "text")?.text;
  return source ? escapedWithin(plainText(source), LIMITS.fallbackText) : " ";
}

/** Field names become block ids, so Slack's per-block errors land on the right field. */
export function blockIdOf(field: string): string {
  return `f_${field}`;
}

export function fieldOfBlockId(blockId: string): string | null {
  return blockId.startsWith("f_") ? blockId.slice(2) : null;
}

/** Extensions Slack's file picker offers for the screenshot; the core still checks the bytes. */
export const SCREENSHOT_FILETYPES = ["png", "jpg", "jpeg", "webp", "gif"];

function renderInput(field: FormField): SlackBlock {
  let element: SlackBlock;
  switch (field.kind) {
    case "text":
    case "number":
      // Amounts stay free text: the core parses them exactly and names the mistake.
      element = { type: "plain_text_input", action_id: field.name };
      if (field.kind === "text" && field.multiline) element.multiline = true;
      if (field.kind === "text" && field.maxLength) element.max_length = Math.min(3000, field.maxLength);
      if (field.placeholder) element.placeholder = plain(field.placeholder, LIMITS.placeholder);
      if (field.initial) element.initial_value = field.initial;
      break;
    case "select": {
      const options = field.options.slice(0, LIMITS.options).map((o) => ({
        text: plain(o.label, LIMITS.optionText),
        value: clip(o.value, LIMITS.optionValue),
        ...(o.description ? { description: plain(o.description, LIMITS.optionDescription) } : {}),
      }));
      element = { type: "static_select", action_id: field.name, options };
      const initial = options.find((o) => o.value === field.initial);
      if (initial) element.initial_option = initial;
      break;
    }
    case "file":
      element = { type: "file_input", action_id: field.name, filetypes: SCREENSHOT_FILETYPES, max_files: 1 };
      break;
  }
  const block: SlackBlock = {
    type: "input",
    block_id: blockIdOf(field.name),
    label: plain(field.label, LIMITS.inputLabel),
    element,
    optional: !field.required,
  };
  if (field.hint) block.hint = plain(field.hint, LIMITS.hint);
  return block;
}

/** A modal for a form; the reply's own blocks (an intro) go above the inputs. */
export function renderFormModal(reply: Reply, form: FormSpec, context: Omit<FormContext, "invocation">, closeLabel: string, options: RenderOptions = {}): SlackView {
  const intro = renderBlocks(reply.blocks, { ...options, withButtons: false });
  const inputs = form.fields.map(renderInput);
  return {
    type: "modal",
    callback_id: FORM_CALLBACK_ID,
    title: plain(form.title, LIMITS.modalTitle),
    submit: plain(form.submitLabel, LIMITS.modalButton),
    close: plain(closeLabel, LIMITS.modalButton),
    private_metadata: encodeFormContext({ invocation: { command: form.command, args: form.args }, ...context }),
    blocks: [...intro, ...inputs].slice(0, LIMITS.viewBlocks),
  };
}

/** A modal that shows a reply (the answer to a form sent from a place without a response_url). */
export function renderResultModal(reply: Reply, title: string, closeLabel: string, options: RenderOptions = {}): SlackView {
  return {
    type: "modal",
    callback_id: RESULT_CALLBACK_ID,
    title: plain(title, LIMITS.modalTitle),
    close: plain(closeLabel, LIMITS.modalButton),
    blocks: renderBlocks(reply.blocks, options).slice(0, LIMITS.viewBlocks),
  };
}

export function renderHome(sections: Block[][], options: RenderOptions = {}): SlackView {
  const blocks: SlackBlock[] = [];
  sections.forEach((section, i) => {
    if (i > 0) blocks.push({ type: "divider" });
    blocks.push(...renderBlocks(section, options));
  });
  return { type: "home", blocks: blocks.slice(0, LIMITS.viewBlocks) };
}

/**
 * Per-field errors for `response_action: "errors"`, keyed by block id. Errors about something
 * the form does not show (the order itself) have no field to sit on: null tells the caller to
 * show the reply instead.
 */
export function modalErrors(reply: Reply, inputBlockIds: string[]): Record<string, string> | null {
  if (!reply.fieldErrors) return null;
  const errors: Record<string, string> = {};
  for (const [field, message] of Object.entries(reply.fieldErrors)) {
    const blockId = blockIdOf(field);
    if (inputBlockIds.includes(blockId)) errors[blockId] = clip(plainText(message), 2000);
  }
  return Object.keys(errors).length > 0 ? errors : null;
}
