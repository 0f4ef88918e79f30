/**
 * A platform-neutral reply: what a command answers, and what the outbox delivers. Each adapter
 * has one renderer for it (Block Kit, discord.js components, terminal text). All text in it is
 * already in the reader's language.
 */

/** The chat surfaces a reply can be shown on. */
export type Platform = "slack" | "discord" | "console";

/** What a button or a form submission runs: a command of the registry with fixed arguments. */
export interface Invocation {
  command: string;
  args: Record<string, string>;
}

export interface ButtonSpec extends Invocation {
  label: string;
  style?: "primary" | "danger" | "default";
  /** A confirmation dialog before the click counts. */
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

export type Block =
  | { type: "header"; text: string }
  | { type: "text"; text: string }
  | { type: "fields"; fields: { label: string; value: string }[] }
  /** One value the reader will copy exactly (an amount to pay, an address), alone on its line. */
  | { type: "copy"; label: string; value: string }
  | { type: "image"; sha256: string; mime: string; alt: string }
  | { type: "link"; label: string; url: string }
  | { type: "buttons"; buttons: ButtonSpec[] }
  | { type: "divider" }
  | { type: "context"; text: string }
  /**
   * A file made for this reply (a chart), attached the way each surface attaches files: uploaded
   * on Slack, an attachment on Discord, a file on disk for the console. Only in a command's own
   * answer: its bytes do not survive the outbox's JSON.
   */
  | { type: "file"; name: string; mime: string; bytes: Uint8Array; title: string; alt: string };

export type FormField =
  | { kind: "text"; name: string; label: string; required: boolean; placeholder?: string; multiline?: boolean; initial?: string; maxLength?: number; hint?: string }
  | { kind: "number"; name: string; label: string; required: boolean; placeholder?: string; initial?: string; hint?: string }
  | { kind: "select"; name: string; label: string; required: boolean; options: { value: string; label: string; description?: string }[]; initial?: string; hint?: string }
  | { kind: "file"; name: string; label: string; required: boolean; hint?: string };

export interface FormSpec extends Invocation {
  title: string;
  submitLabel: string;
  fields: FormField[];
}

export interface Reply {
  blocks: Block[];
  /** Open this form (a modal) instead of posting the blocks. */
  form?: FormSpec;
  /** Per-field errors for the form this reply answers; the form stays open. */
  fieldErrors?: Record<string, string>;
  /** Only the person who asked sees it. Customer replies are private. */
  private?: boolean;
  /** Replace the message the click came from (a support card) instead of posting a new one. */
  replaceSource?: boolean;
  /** Plain-text summary for notifications and fallbacks. */
  summary?: string;
  /** The reply reports a refusal or bad input: nothing was written. */
  error?: boolean;
}

export function textReply(text: string, options: Partial<Omit<Reply, "blocks">> = {}): Reply {
  return { blocks: [{ type: "text", text }], private: true, summary: text, ...options };
}

/** A file the user attached: its bytes already fetched by the adapter (platform links expire). */
export interface UploadedFile {
  name: string;
  bytes: Uint8Array;
  /** What the platform claims; never trusted: the content decides. */
  claimedType?: string;
}
