import type { Env } from "../../config/env.ts";
import { readCapped } from "../../files/readCapped.ts";
import type { UploadedFile } from "../../reply.ts";

export class AttachmentDownloadError extends Error {
  constructor(readonly fileName: string, reason: string) {
    super(`could not download attachment ${fileName}: ${reason}`);
    this.name = "AttachmentDownloadError";
  }
}

/**
 * Discord's CDN: an attachment's `url` is on cdn.discordapp.com and its `proxy_url` on
 * media.discordapp.net (Discord's reference, "Image Formatting" and "Signed Attachment CDN URLs").
 * An interaction payload names the URL, so nothing else is ever fetched from it: no other host,
 * no plain http, no other port.
 */
export const DISCORD_CDN_HOSTS: readonly string[] = ["cdn.discordapp.com", "media.discordapp.net"];

/** The origins an attachment may be fetched from: `https://` + a CDN host, exactly. */
export type AttachmentOrigins = readonly string[];

/**
 * Discord's CDN, plus the origin of DISCORD_API_URL when one is set: that variable only ever points
 * at a stand-in (tests), which serves the attachments it describes from the same origin. The same
 * rule lets the Slack adapter send its token to SLACK_API_URL's host (`mayCarryToken`).
 */
export function attachmentOrigins(apiUrl: string | undefined): AttachmentOrigins {
  const cdn = DISCORD_CDN_HOSTS.map((host) => `https://${host}`);
  return apiUrl ? [...cdn, new URL(apiUrl).origin] : cdn;
}

/** Whether `url` is on one of `origins` (scheme, host and port all equal); a URL that does not parse is not. */
export function mayFetchAttachment(url: string, origins: AttachmentOrigins): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (parsed.protocol === "https:" || parsed.protocol === "http:") && origins.includes(parsed.origin);
}

/**
 * Fetches an attachment the moment it arrives: Discord's CDN links are signed and expire. Only
 * from Discord's CDN, and never by following a redirect, which could lead anywhere: a 3xx is a
 * failed download. Reading stops one byte past the size limit, so a huge file costs no memory and
 * the core still sees that it is too large (the core, not the adapter, decides what is acceptable).
 */
export async function downloadAttachment(
  attachment: { url: string; name: string; contentType?: string | null },
  options: { maxBytes: number; origins: AttachmentOrigins; timeoutMs?: number },
): Promise<UploadedFile> {
  if (!mayFetchAttachment(attachment.url, options.origins)) {
    throw new AttachmentDownloadError(attachment.name, `not on Discord's CDN: ${hostOf(attachment.url)}`);
  }
  let response: Response;
  try {
    response = await fetch(attachment.url, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000), redirect: "manual" });
  } catch (err) {
    throw new AttachmentDownloadError(attachment.name, err instanceof Error ? err.message : String(err));
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => undefined);
    throw new AttachmentDownloadError(attachment.name, `redirected (HTTP ${response.status}), not followed`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new AttachmentDownloadError(attachment.name, `HTTP ${response.status}`);
  }

  const bytes = await readCapped(response.body, options.maxBytes);
  return { name: attachment.name, bytes, claimedType: attachment.contentType ?? undefined };
}

/** An attachment of an interaction (slash command option or modal file upload), fetched at once. */
export function fileFromAttachment(
  attachment: { url: string; name: string; contentType?: string | null },
  env: Pick<Env, "SCREENSHOT_MAX_BYTES" | "DISCORD_API_URL">,
): Promise<UploadedFile> {
  return downloadAttachment(
    { url: attachment.url, name: attachment.name, contentType: attachment.contentType },
    { maxBytes: env.SCREENSHOT_MAX_BYTES, origins: attachmentOrigins(env.DISCORD_API_URL) },
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host || "(none)";
  } catch {
    return "(not a URL)";
  }
}
