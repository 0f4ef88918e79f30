import { UserError } from "../errors.ts";

export type ImageMime = "image/png" | "image/jpeg" | "image/webp" | "image/gif";

/** Identifies an image by its first bytes, never by its name or claimed type. */
export function sniffImage(bytes: Uint8Array): ImageMime | null {
  const starts = (sig: number[], at = 0) => sig.every((b, i) => bytes[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (starts([0x47, 0x49, 0x46, 0x38]) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return "image/gif";
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return null;
}

/** Checks a payment screenshot: an image by content, not empty, under the size limit. */
export function checkScreenshot(bytes: Uint8Array, maxBytes: number, field = "screenshot"): ImageMime {
  if (bytes.length > maxBytes) {
    throw new UserError("errors.file_too_large", { limit: formatBytes(maxBytes) }, field);
  }
  const mime = bytes.length > 0 ? sniffImage(bytes) : null;
  if (!mime) throw new UserError("errors.file_not_image", {}, field);
  return mime;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
