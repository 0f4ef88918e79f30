import type { SlackApi } from "./webApi.ts";

/** A file to share in a conversation. */
export interface SlackUpload {
  channelId: string;
  filename: string;
  bytes: Uint8Array;
  title: string;
  /** Read by screen readers; Slack takes at most 1,000 characters. */
  altText: string;
  /** The message that introduces the file in the conversation. */
  initialComment?: string;
}

const UPLOAD_TIMEOUT_MS = 30_000;

/**
 * Shares a file in a conversation by Slack's v2 upload flow (what the Web client's
 * files.uploadV2 does, step by step, so that each call goes through this app's rate limiters):
 * files.getUploadURLExternal for a URL and a file id, the bytes POSTed to that URL, and
 * files.completeUploadExternal, which shares the file in `channel_id`. The upload URL is signed
 * by Slack for this one file: the bot token is not sent to it. Resolves with the file's id.
 */
export async function uploadFile(api: SlackApi, upload: SlackUpload): Promise<string> {
  const target = await api.call<{ upload_url?: string; file_id?: string }>("files.getUploadURLExternal", {
    filename: upload.filename,
    length: upload.bytes.length,
    alt_txt: [...upload.altText].slice(0, 1000).join(""),
  });
  if (!target.upload_url || !target.file_id) throw new Error("files.getUploadURLExternal gave no upload_url or file_id");

  // Raw bytes are one of the two bodies Slack documents for the upload (the other is multipart).
  const response = await fetch(target.upload_url, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: upload.bytes,
    redirect: "error",
    signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
  });
  await response.arrayBuffer().catch(() => undefined);
  if (response.status !== 200) throw new Error(`the file upload answered ${response.status}`);

  await api.call("files.completeUploadExternal", {
    files: JSON.stringify([{ id: target.file_id, title: upload.title }]),
    channel_id: upload.channelId,
    ...(upload.initialComment ? { initial_comment: upload.initialComment } : {}),
  });
  return target.file_id;
}
