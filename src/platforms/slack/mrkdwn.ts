import { parseInline, utcText, type Segment, type TimeStyle } from "../../core/markup.ts";

/**
 * The inline markup of reply text (src/core/markup.ts) drawn in Slack's mrkdwn: **bold** as
 * *bold*, `code` as `code`, and a time token as Slack's date formatting
 * (docs.slack.dev "Formatting text for app surfaces": `<!date^unix^format|fallback>`), which each
 * reader's Slack shows in their own time zone and clock format. Everything else is literal.
 */

/** In mrkdwn, &, < and > are control characters: a customer's note must not become a mention. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Literal text in mrkdwn. Slack documents no escape for its formatting characters, so a typed `*`,
 * `~` or backtick, and an `_` that could open or close italics (not one inside a word such as
 * snake_case or an e-mail address), is replaced by a look-alike that Slack never formats: a
 * customer writing "*urgent*" is shown their asterisks, not bold.
 */
export function literalMrkdwn(text: string): string {
  return escapeMrkdwn(text)
    .replace(/\*/g, "\u2217")
    .replace(/~/g, "\u223c")
    .replace(/`/g, "\u02cb")
    .replace(/_/g, (underscore, at: number, whole: string) => (isWordChar(whole[at - 1]) && isWordChar(whole[at + 1]) ? underscore : "\u02cd"));
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/**
 * Slack's date formatting for a moment. A datetime shows "today 16:23" / "Nov 29, 2026 4:23 PM"
 * as the reader's settings say; a date the date alone; a relative moment `{ago}`, which Slack
 * counts from the moment the message is read: "in 57 minutes" before it, "3 hours ago" after, so
 * a deadline stays true however late the message is read. The fallback, for clients that cannot
 * format (notifications, e-mail), is the UTC text.
 */
export function slackDate(at: Date, style: TimeStyle): string {
  const unix = Math.floor(at.getTime() / 1000);
  const format = style === "date" ? "{date_short_pretty}" : style === "relative" ? "{ago}" : "{date_short_pretty} {time}";
  return `<!date^${unix}^${format}|${utcText(at, style === "date" ? "date" : "datetime")}>`;
}

export interface InlineOptions {
  /** The whole text is set in bold by the caller (a field label): its own bold runs are plain. */
  inBold?: boolean;
}

const ZWSP = "\u200b";
const TOUCHING_END = /(?:[\p{L}\p{N}]|[^\x00-\x7f\s])$/u;
const TOUCHING_START = /^(?:[\p{L}\p{N}]|[^\x00-\x7f\s])/u;
const ELLIPSIS = "…";
const length = (s: string) => [...s].length;

/**
 * One text with its markup drawn in mrkdwn, at most `max` characters as sent: a cut falls between
 * characters of the reader's text, never inside a date token, an entity or a bold marker.
 */
export function inlineMrkdwn(text: string, max: number, options: InlineOptions = {}): string {
  const segments = parseInline(text || " ");
  const pieces = segments.map((s, i) => drawSegment(s, segments[i - 1], segments[i + 1], options));
  const whole = pieces.join("");
  if (length(whole) <= max) return whole;
  let out = "";
  let room = max - 1;
  for (let i = 0; i < segments.length; i++) {
    const piece = pieces[i];
    if (length(piece) <= room) {
      out += piece;
      room -= length(piece);
      continue;
    }
    out += cutSegment(segments[i], room, options);
    break;
  }
  return out + ELLIPSIS;
}

function drawSegment(segment: Segment, before: Segment | undefined, after: Segment | undefined, options: InlineOptions): string {
  switch (segment.kind) {
    case "text":
      return literalMrkdwn(segment.text);
    case "time":
      return slackDate(segment.at, segment.style);
    case "bold":
      if (options.inBold) return literalMrkdwn(segment.text);
      return marked("*", literalMrkdwn(segment.text), before, after);
    case "code":
      return marked("`", escapeMrkdwn(segment.text), before, after);
  }
}

/**
 * Slack sets a run in bold or code only when its markers stand apart from the words around them
 * (a space or ASCII punctuation); Chinese has no spaces between words, so a zero-width space stands
 * in where a letter, a digit or a full-width sign touches a marker.
 */
function marked(marker: string, inner: string, before: Segment | undefined, after: Segment | undefined): string {
  const touchesBefore = before?.kind === "text" && TOUCHING_END.test(before.text);
  const touchesAfter = after?.kind === "text" && TOUCHING_START.test(after.text);
  return `${touchesBefore ? ZWSP : ""}${marker}${inner}${marker}${touchesAfter ? ZWSP : ""}`;
}

/** Escaped text of at most `max` characters, cut between the reader's characters (never inside an entity). */
export function escapedWithin(text: string, max: number): string {
  const whole = escapeMrkdwn(text);
  if (length(whole) <= max) return whole;
  const chars = [...text];
  let [lo, hi] = [0, chars.length];
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (length(escapeMrkdwn(chars.slice(0, mid).join(""))) <= max - 1) lo = mid;
    else hi = mid - 1;
  }
  return `${escapeMrkdwn(chars.slice(0, lo).join(""))}${ELLIPSIS}`;
}

/** As much of a segment as fits in `room` characters (a date token does not fit partly). */
function cutSegment(segment: Segment, room: number, options: InlineOptions): string {
  if (segment.kind === "time") return "";
  const draw = segment.kind === "code" ? escapeMrkdwn : literalMrkdwn;
  const marker = segment.kind === "code" ? "`" : segment.kind === "bold" && !options.inBold ? "*" : "";
  const chars = [...segment.text];
  const fits = (n: number) => length(draw(chars.slice(0, n).join(""))) + 2 * marker.length <= room;
  // Drawing only ever lengthens a prefix, so the longest prefix that fits is found by halving.
  let [lo, hi] = [0, chars.length];
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? "" : `${marker}${draw(chars.slice(0, lo).join(""))}${marker}`;
}
