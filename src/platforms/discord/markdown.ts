import { parseInline, plainText, type TimeStyle } from "../../core/markup.ts";

/**
 * Reply text (src/core/markup.ts) drawn as Discord markdown: **bold** stays bold, `code` stays
 * code, a time token becomes Discord's timestamp markdown, which every reader sees in their own
 * time zone and language. Everything else is the words of the text, escaped so that what a
 * customer typed (a note, a memo, a display name) reads as typed: it can neither format the
 * message nor mention anyone, whatever allowed_mentions says.
 */

/** Discord's timestamp styles (Message Formatting reference): f "20 April 2021 16:20", D "20 April 2021", R "in 2 hours". */
const TIME_STYLE: Record<TimeStyle, "f" | "D" | "R"> = { datetime: "f", date: "D", relative: "R" };

export function discordTime(at: Date, style: TimeStyle): string {
  return `<t:${Math.floor(at.getTime() / 1000)}:${TIME_STYLE[style]}>`;
}

/**
 * Characters that start Discord markdown anywhere in a line: emphasis, underline, strikethrough,
 * code, spoilers, masked links, mentions, channels, custom emoji and timestamps (`<…>`), and the
 * backslash itself. Discord renders a backslash before any ASCII punctuation as that character.
 */
const INLINE_SPECIAL = /[\\*_~`|[\]<>]/g;
/**
 * Lines that start with these become headings, quotes, lists or subtext (`-#`). A number and a
 * dot make a list only when a space follows ("1. item"); "7.21 CNY" stays as it is.
 */
const LINE_START = /^(\s*)([#>+-]|\d+\.(?=\s|$))/;
/** A URL stays as written: an escape inside it would break the link Discord makes of it. */
const URL = /https?:\/\/[^\s<>]+/g;
/** @everyone and @here do not ping with allowed_mentions, but a zero-width space keeps them plain text too (as discord.js's cleanContent does). */
const MASS_MENTION = /@(everyone|here)\b/g;

/** Escapes one run of plain text; `atLineStart` says whether it begins a line of the message. */
export function escapeDiscord(text: string, atLineStart = true): string {
  const lines = text.split("\n");
  return lines
    .map((line, index) => {
      let escaped = escapeOutsideUrls(line).replace(MASS_MENTION, "@\u200b$1");
      if (index > 0 || atLineStart) escaped = escaped.replace(LINE_START, (_m, space: string, mark: string) => `${space}${mark.replace(/^(\d+)\.$/, "$1\\.").replace(/^([#>+-])$/, "\\$1")}`);
      return escaped;
    })
    .join("\n");
}

function escapeOutsideUrls(line: string): string {
  let out = "";
  let last = 0;
  for (const m of line.matchAll(URL)) {
    const at = m.index ?? 0;
    out += line.slice(last, at).replace(INLINE_SPECIAL, "\\$&") + m[0];
    last = at + m[0].length;
  }
  return out + line.slice(last).replace(INLINE_SPECIAL, "\\$&");
}

/** Reply text as Discord markdown (message content, embed titles, descriptions and fields, Text Display). */
export function discordMarkdown(text: string): string {
  let out = "";
  for (const segment of parseInline(text)) {
    const atLineStart = out === "" || out.endsWith("\n");
    switch (segment.kind) {
      case "text":
        out += escapeDiscord(segment.text, atLineStart);
        break;
      case "bold":
        out += `**${escapeDiscord(segment.text, false)}**`;
        break;
      case "code":
        // Nothing inside inline code is markdown, and the markup's code never holds a backtick.
        out += `\`${segment.text}\``;
        break;
      case "time":
        out += discordTime(segment.at, segment.style);
        break;
    }
  }
  return out;
}

/**
 * Places Discord shows as plain text (button labels, footers, modal titles and labels, select
 * options, autocomplete choices): no markdown is drawn there, so the words stand alone and times
 * are in UTC.
 */
export function discordPlain(text: string): string {
  return plainText(text);
}
