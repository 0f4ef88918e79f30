import { readCapped } from "../../files/readCapped.ts";
import type { UploadedFile } from "../../reply.ts";

export class AttachmentDownloadError extends Error {
  constructor(readonly fileName: string, reason: string) {
    super(`could not download attachment ${fileName}: ${reason}`);
    this.name = "AttachmentDownloadError";
  }
}

/**
 * Fetches an attachment the moment it arrives: Discord's CDN links are signed and expire.
 * Reading stops one byte past the size limit, so a huge file costs no memory and the core still
 * sees that it is too large (the core, not the adapter, decides what is acceptable).
 */
export async function downloadAttachment(
  attachment: { url: string; name: string; contentType?: string | null },
  options: { maxBytes: number; timeoutMs?: number },
): Promise<UploadedFile> {
  const url = new URL(attachment.url);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new AttachmentDownloadError(attachment.name, "not an http(s) URL");
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000), redirect: "follow" });
  } catch (err) {
    throw new AttachmentDownloadError(attachment.name, err instanceof Error ? err.message : String(err));
  }
  if (!response.ok || !response.body) throw new AttachmentDownloadError(attachment.name, `HTTP ${response.status}`);

  const bytes = await readCapped(response.body, options.maxBytes);
  return { name: attachment.name, bytes, claimedType: attachment.contentType ?? undefined };
}

/** An attachment of an interaction (slash command option or modal file upload), fetched at once. */
export function fileFromAttachment(attachment: { url: string; name: string; contentType?: string | null }, maxBytes: number): Promise<UploadedFile> {
  return downloadAttachment({ url: attachment.url, name: attachment.name, contentType: attachment.contentType }, { maxBytes });
}
