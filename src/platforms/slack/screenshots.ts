import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Services } from "../../services.ts";
import type { ScreenshotLinks } from "./blockKit.ts";
import type { SlackRoute } from "./routes.ts";

/**
 * Support cards link to the payment screenshot instead of embedding it: an image block makes
 * Slack download the picture when the card is posted, so a web server Slack cannot reach (a
 * laptop in Socket Mode, a private load balancer) would make Slack refuse the whole card. A link
 * only needs the support member's browser to reach us. The link is signed and expires; each card
 * update signs a fresh one.
 */

export const SCREENSHOT_ROUTE = "/slack/screenshots";
const LINK_TTL_SECONDS = 7 * 24 * 3600;
const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/webp", "image/gif"]);

/** A key of its own, derived from a secret we already hold, so a link never reveals that secret. */
function linkKey(secret: string): Buffer {
  return createHmac("sha256", secret).update("credit-desk:screenshot-links:v1").digest();
}

function signature(key: Buffer, sha256: string, expires: number): string {
  return createHmac("sha256", key).update(`${sha256}.${expires}`).digest("base64url");
}

export function screenshotLinks(publicUrl: string | undefined, secret: string, now: () => number = Date.now): ScreenshotLinks {
  const key = linkKey(secret);
  return {
    urlFor(sha256) {
      if (!publicUrl || !/^[0-9a-f]{64}$/.test(sha256)) return undefined;
      const expires = Math.floor(now() / 1000) + LINK_TTL_SECONDS;
      return `${publicUrl}${SCREENSHOT_ROUTE}/${sha256}?exp=${expires}&sig=${signature(key, sha256, expires)}`;
    },
  };
}

/** The GET route serving a stored screenshot to whoever holds a valid, unexpired link. */
export function screenshotRoute(services: Services, secret: string, now: () => number = Date.now): SlackRoute {
  const key = linkKey(secret);
  return {
    path: `${SCREENSHOT_ROUTE}/:sha256`,
    method: "GET",
    handler: (req: IncomingMessage, res: ServerResponse): void => {
      serve(req, res).catch((err: unknown) => {
        services.log.error({ err }, "screenshot route failed");
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    },
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const sha256 = url.pathname.slice(SCREENSHOT_ROUTE.length + 1);
    const expires = Number(url.searchParams.get("exp"));
    const given = Buffer.from(url.searchParams.get("sig") ?? "");
    const wanted = /^[0-9a-f]{64}$/.test(sha256) && Number.isInteger(expires) ? Buffer.from(signature(key, sha256, expires)) : Buffer.alloc(0);
    const valid = wanted.length > 0 && given.length === wanted.length && timingSafeEqual(given, wanted);
    if (!valid || expires < Math.floor(now() / 1000)) {
      res.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
      res.end("This link is not valid or has expired.");
      return;
    }
    const stored = await services.prisma.storedFile.findUnique({ where: { sha256 } });
    const bytes = stored && IMAGE_TYPES.has(stored.mime) ? await services.files.get(sha256) : null;
    if (!stored || !bytes) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("Not found.");
      return;
    }
    res.writeHead(200, {
      "content-type": stored.mime,
      "content-length": String(bytes.length),
      "cache-control": "private, max-age=300",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'",
      "referrer-policy": "no-referrer",
    });
    res.end(Buffer.from(bytes));
  }
}
