import { printable } from "../../lib/printable.ts";
import { parseInline, relativeText, utcText } from "../../core/markup.ts";
import { translator, type Locale } from "../../i18n.ts";
import type { Block, ButtonSpec, Reply } from "../../reply.ts";

/** Writes a file a reply attaches (a chart) and says where it is; without one, files are only named. */
export type SaveFile = (file: Extract<Block, { type: "file" }>) => string;

/** How the terminal draws inline markup. */
export interface InlineStyle {
  /** ANSI bold for **bold**: only on a terminal, and not when NO_COLOR is set. */
  ansi: boolean;
  locale: Locale;
  /** The clock relative times count from (the session's, which `/wait` moves). */
  now: () => Date;
}

export const PLAIN: InlineStyle = { ansi: false, locale: "en", now: () => new Date() };

const BOLD_ON = "\u001b[1m";
const BOLD_OFF = "\u001b[22m";

/**
 * Reply text as the terminal shows it. Every run of text is escaped by `printable` before the
 * renderer adds its own escape sequences: names, memos, model names and hashes come from people
 * and from the database, and an ESC or a bidi override in them must show as `\x1b` / `\u202e`
 * rather than act on the operator's terminal. Only the bold sequences added here reach it raw.
 */
export function renderInline(text: string, style: InlineStyle): string {
  return parseInline(text)
    .map((segment) => {
      switch (segment.kind) {
        case "text":
          return printable(segment.text, { keepNewlines: true });
        case "code":
          // A value to read exactly: shown as itself; backticks would be copied along with it.
          return printable(segment.text);
        case "bold":
          return style.ansi ? `${BOLD_ON}${printable(segment.text)}${BOLD_OFF}` : printable(segment.text);
        case "time":
          return segment.style === "relative" ? relativeIn(segment.at, style) : utcText(segment.at, segment.style);
      }
    })
    .join("");
}

/**
 * "in 57 min", "3 h ago", "57 分钟后": the console keeps UTC for moments, but a countdown reads
 * better than a clock time nobody converts in their head.
 */
function relativeIn(at: Date, style: InlineStyle): string {
  const t = translator(style.locale);
  const plural = new Intl.PluralRules(style.locale);
  // Written out whole so that the locale test finds every key.
  const keys = {
    future: {
      min: ["console.relative.future_min.one", "console.relative.future_min.other"],
      h: ["console.relative.future_h.one", "console.relative.future_h.other"],
      d: ["console.relative.future_d.one", "console.relative.future_d.other"],
    },
    past: {
      min: ["console.relative.past_min.one", "console.relative.past_min.other"],
      h: ["console.relative.past_h.one", "console.relative.past_h.other"],
      d: ["console.relative.past_d.one", "console.relative.past_d.other"],
    },
  } as const;
  const say = ([one, other]: readonly [string, string], n: number) => t(plural.select(n) === "one" ? one : other, { n });
  return relativeText(at, style.now(), {
    future: (n, unit) => say(keys.future[unit], n),
    past: (n, unit) => say(keys.past[unit], n),
  });
}

/** Renders a Reply as terminal text; buttons become numbered choices starting at `firstNumber`. */
export function renderReply(reply: Reply, firstNumber = 1, saveFile?: SaveFile, style: InlineStyle = PLAIN): { text: string; buttons: ButtonSpec[] } {
  const lines: string[] = [];
  const buttons: ButtonSpec[] = [];
  for (const block of reply.blocks) lines.push(...renderBlock(block, buttons, firstNumber, style, saveFile));
  return { text: lines.join("\n"), buttons };
}

function renderBlock(block: Block, buttons: ButtonSpec[], firstNumber: number, style: InlineStyle, saveFile?: SaveFile): string[] {
  const ink = (text: string) => renderInline(text, style);
  switch (block.type) {
    case "header":
      return [`== ${ink(block.text)} ==`];
    case "text":
    case "context":
      return [ink(block.text)];
    case "fields":
      return block.fields.map((f) => `  ${ink(f.label)}: ${ink(f.value)}`);
    case "copy":
      return [`  ${ink(block.label)}:`, `    ${ink(block.value)}`];
    case "image":
      return [`  [${ink(block.alt)}: ${printable(block.mime)}, sha256 ${printable(block.sha256.slice(0, 16))}…]`];
    case "link":
      return [`  ${ink(block.label)}: ${printable(block.url)}`];
    case "divider":
      return ["  ----"];
    case "file":
      return [`  📎 ${ink(block.title)}: ${printable(saveFile ? saveFile(block) : `${block.name} (${block.bytes.length} bytes)`)}`];
    case "buttons":
      return block.buttons.map((b) => {
        buttons.push(b);
        return `  [${firstNumber + buttons.length - 1}] ${ink(b.label)}`;
      });
  }
}
