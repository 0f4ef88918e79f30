import { readCapped } from "../../files/readCapped.ts";
import type { UploadedFile } from "../../reply.ts";
import type { SlackApi } from "./webApi.ts";

/**
 * Downloads a file a user gave a file_input. Slack's file links need the bot token and expire,
 * so the bytes are fetched at submission and handed to the core, which checks them (an image by
 * content, under the size limit) and keeps them by content hash.
 */

export interface SlackFileRef {
  id: string;
  name?: string;
  mimetype?: string;
  url_private_download?: string;
  url_private?: string;
}

export class FileDownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FileDownloadError";
  }
}

/**
 * The bot token may only be sent to Slack: its own file hosts, or the Web API host we were
 * configured with (the stand-in in tests). A payload naming any other host gets nothing.
 */
export function mayCarryToken(fileUrl: string, apiUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(fileUrl);
  } catch {
    return false;
  }
  const api = new URL(apiUrl);
  if (url.host === api.host && url.protocol === api.protocol) return true;
  return url.protocol === "https:" && (url.hostname === "slack.com" || url.hostname.endsWith(".slack.com"));
}

export async function downloadSlackFile(
  file: SlackFileRef,
  deps: { api: SlackApi; botToken: string; apiUrl: string; maxBytes: number; timeoutMs?: number },
): Promise<UploadedFile> {
  let ref = file;
  if (!ref.url_private_download && !ref.url_private) {
    const info = await deps.api.call<{ file?: SlackFileRef }>("files.info", { file: file.id });
    if (!info.file) throw new FileDownloadError(`files.info gave no file for ${file.id}`);
    ref = { ...file, ...info.file };
  }
  const url = ref.url_private_download ?? ref.url_private!;
  if (!mayCarryToken(url, deps.apiUrl)) throw new FileDownloadError(`refusing to send the bot token to ${new URL(url).host}`);

  const response = await fetch(url, {
    headers: { authorization: `Bearer ${deps.botToken}` },
    redirect: "follow",
    signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
  });
  if (!response.ok || !response.body) throw new FileDownloadError(`download of ${file.id} answered ${response.status}`);

  const bytes = await readCapped(response.body, deps.maxBytes);
  return { name: ref.name ?? file.id, bytes, claimedType: ref.mimetype };
}
