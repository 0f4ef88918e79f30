import type { Block, ButtonSpec, FormField, FormSpec, Reply } from "../../reply.ts";
import { actionId, encodeButtonValue, encodeFormContext, FORM_CALLBACK_ID, RESULT_CALLBACK_ID, type FormContext } from "./invocations.ts";

/**
 * The one renderer from the neutral Reply to Block Kit: messages, modals, the App Home.
 * Slack's limits (docs.slack.dev/reference/block-kit) are applied here so a long text is cut
 * rather than making Slack refuse the whole message with invalid_blocks.
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
} as const;

export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** In mrkdwn, &, < and > are control characters: a customer's note must not become a mention. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const plain = (text: string, max: number) => ({ type: "plain_text", text: clip(text || " ", max), emoji: true });
const mrkdwn = (text: string, max: number) => ({ type: "mrkdwn", text: clip(escapeMrkdwn(text || " "), max) });

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
            fields: block.fields.slice(i, i + LIMITS.fieldsPerSection).map((f) => ({
              type: "mrkdwn",
              text: clip(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value || "—")}`, LIMITS.fieldText),
            })),
          });
        }
        break;
      case "copy":
        out.push({ type: "section", text: { type: "mrkdwn", text: clip(`*${escapeMrkdwn(block.label)}*\n\`${block.value.replace(/`/g, "'")}\``, LIMITS.sectionText) } });
        break;
      case "image": {
        // Slack downloads image_url itself when the message is posted and refuses the whole
        // message if it cannot; a link only needs the reader's browser to reach us.
        const url = options.screenshots?.urlFor(block.sha256);
        if (url) out.push({ type: "section", text: { type: "mrkdwn", text: clip(`🖼 ${linkMrkdwn(url, block.alt)}`, LIMITS.sectionText) } });
        out.push({ type: "context", elements: [{ type: "mrkdwn", text: clip(`${escapeMrkdwn(block.alt)} · sha256 \`${block.sha256.slice(0, 16)}…\``, LIMITS.contextText) }] });
        break;
      }
      case "link":
        out.push({ type: "section", text: { type: "mrkdwn", text: clip(linkMrkdwn(block.url, block.label), LIMITS.sectionText) } });
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

/** A link in mrkdwn: the label may not contain the characters that end the link. */
export function linkMrkdwn(url: string, label: string): string {
  if (!/^https?:\/\//i.test(url)) return escapeMrkdwn(label);
  const safeUrl = url.replace(/[|<>\s]/g, encodeURIComponent);
  return `<${safeUrl}|${escapeMrkdwn(label).replace(/\|/g, "¦")}>`;
}

/** A message body for chat.postMessage / chat.update / response_url. */
export function renderMessage(reply: Reply, options: RenderOptions & { withButtons?: boolean } = {}): { text: string; blocks: SlackBlock[] } {
  const blocks = renderBlocks(reply.blocks, options).slice(0, LIMITS.messageBlocks);
  return { text: clip(fallbackText(reply), LIMITS.fallbackText), blocks };
}

export function fallbackText(reply: Reply): string {
  if (reply.summary) return reply.summary;
  for (const block of reply.blocks) if (block.type === "header" || block.type === "text") return block.text;
  return " ";
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
    if (inputBlockIds.includes(blockId)) errors[blockId] = clip(message, 2000);
  }
  return Object.keys(errors).length > 0 ? errors : null;
}
