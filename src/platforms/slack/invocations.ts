import type { Invocation } from "../../reply.ts";

/**
 * Buttons and modals carry the Invocation they run: a button in its `value` (at most 2,000
 * characters), a modal in its `private_metadata` (at most 3,000) together with where the answer
 * should go. Both come back inside requests Slack signed, so they cannot be forged by a user;
 * the commands still check every right themselves.
 */

export const ACTION_PREFIX = "cd:";
export const FORM_CALLBACK_ID = "cd_form";
export const RESULT_CALLBACK_ID = "cd_result";

const BUTTON_VALUE_MAX = 2000;
const METADATA_MAX = 3000;

export function actionId(command: string, position: number): string {
  return `${ACTION_PREFIX}${command}:${position}`;
}

export function encodeButtonValue(invocation: Invocation): string {
  const value = JSON.stringify({ c: invocation.command, a: invocation.args });
  if (value.length > BUTTON_VALUE_MAX) throw new Error(`button value for ${invocation.command} is longer than Slack allows`);
  return value;
}

export function decodeButtonValue(value: string | undefined): Invocation | null {
  return decodeInvocation(value);
}

/** What a modal remembers between opening and submission. */
export interface FormContext {
  invocation: Invocation;
  /** The response_url of the slash command or message click that opened the form (valid 30 min). */
  responseUrl?: string;
  /** The channel the form was opened from, for a fallback ephemeral reply. */
  channelId?: string;
}

export function encodeFormContext(context: FormContext): string {
  const full = JSON.stringify({ c: context.invocation.command, a: context.invocation.args, r: context.responseUrl, ch: context.channelId });
  if (full.length <= METADATA_MAX) return full;
  // The reply address is a convenience; the invocation is not.
  const bare = JSON.stringify({ c: context.invocation.command, a: context.invocation.args });
  if (bare.length > METADATA_MAX) throw new Error(`form metadata for ${context.invocation.command} is longer than Slack allows`);
  return bare;
}

export function decodeFormContext(metadata: string | undefined): FormContext | null {
  const invocation = decodeInvocation(metadata);
  if (!invocation) return null;
  const raw = JSON.parse(metadata!) as { r?: unknown; ch?: unknown };
  return {
    invocation,
    responseUrl: typeof raw.r === "string" ? raw.r : undefined,
    channelId: typeof raw.ch === "string" ? raw.ch : undefined,
  };
}

function decodeInvocation(text: string | undefined): Invocation | null {
  if (!text) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!raw || typeof raw !== "object") return null;
  const { c, a } = raw as { c?: unknown; a?: unknown };
  if (typeof c !== "string" || !c) return null;
  const args: Record<string, string> = {};
  if (a && typeof a === "object") {
    for (const [k, v] of Object.entries(a as Record<string, unknown>)) if (typeof v === "string") args[k] = v;
  }
  return { command: c, args };
}
