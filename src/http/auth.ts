import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { HttpError } from "./io.ts";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * Bearer keys from API_KEYS. Each comparison is over SHA-256 digests with timingSafeEqual, so
 * neither the content nor the length of a key leaks through timing, and every key is compared
 * on every request (no early exit that would tell which one matched).
 */
export function bearerAuth(keys: readonly string[]): (req: IncomingMessage) => void {
  const digests = keys.filter((k) => k.length > 0).map(digest);
  return (req) => {
    const header = req.headers.authorization;
    const match = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new HttpError(401, "unauthorized", "send Authorization: Bearer <API key>");
    const presented = digest(match[1]);
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(presented, d) || ok;
    if (!ok) throw new HttpError(401, "unauthorized", "the API key is not valid");
  };
}
