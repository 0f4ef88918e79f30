/**
 * What the CLI prints that comes from the database or from a person (ids, names, memos, hashes,
 * error messages, the arguments it was given) goes through `printable` first.
 *
 * A terminal acts on some characters instead of showing them: ESC starts a sequence that can
 * clear the screen, move the cursor, retitle the window or rewrite what was printed before; BEL
 * rings; backspace and CR write over text; C1 controls (U+0080–U+009F) are the same sequences in
 * one character on some terminals; the bidirectional embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069) make a line read differently from what it holds. The usage API
 * refuses them since issue 13, but rows written before that, and text from other writers, may
 * still hold them. They are shown escaped, `\x1b` or `\u202e`, so an operator sees that they are
 * there. A lone surrogate (which a terminal would show as U+FFFD, hiding what it was) is shown
 * the same way.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const UNPRINTABLE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escape(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * The text with every character a terminal would act on escaped (`\x1b`, `\x07`, `\u202e`, …).
 * `keepNewlines` leaves line feeds as they are: for the CLI's own multi-line messages and for CSV
 * fields, which may hold them (quoted). Anything that is not a string is printed as its String().
 */
export function printable(text: unknown, options: { keepNewlines?: boolean } = {}): string {
  const value = typeof text === "string" ? text : String(text ?? "");
  return value.replace(options.keepNewlines ? UNPRINTABLE_BUT_NEWLINE : UNPRINTABLE, escape);
}
