/**
 * Characters nobody types on purpose and PostgreSQL cannot store or compare: NUL (text columns
 * refuse it, 22021), lone UTF-16 surrogates (no UTF-8 form, 22P05), and the other C0 / C1
 * controls apart from tab, line feed and carriage return. A typed argument holding one is
 * refused before any command sees it.
 */
const UNREADABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function hasUnreadable(text: string): boolean {
  return UNREADABLE.test(text);
}

/** The first argument (by name) whose text holds such a character, if any. */
export function unreadableArgument(args: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(args)) {
    if (typeof value === "string" && hasUnreadable(value)) return name;
  }
  return undefined;
}

/** Text safe to store in an audit row: each such character becomes U+FFFD. */
export function storable(text: string): string {
  return text.replace(new RegExp(UNREADABLE.source, "g"), "\ufffd");
}
