import type { IncomingMessage, ServerResponse } from "node:http";

/** A request as the web server's router hands it over, with its `:name` path parameters. */
export type RouteRequest = IncomingMessage & { params?: Record<string, string | string[]> };

/** One path parameter as a string ("" when absent). */
export function pathParam(req: RouteRequest, name: string): string {
  const value = req.params?.[name];
  return Array.isArray(value) ? (value[0] ?? "") : (value ?? "");
}

/**
 * What the web server serves: a method, a path with `:name` segments, a node:http handler. Every
 * part of the web process hands its routes over in this shape (the Slack adapter without
 * importing it: the shape is structural).
 */
export interface Route {
  method: string;
  path: string;
  handler: (req: RouteRequest, res: ServerResponse) => void;
}

/** A refusal with a status and a JSON body: `{ "error": code, "message": text, ...detail }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  const headers: Record<string, string> = err.status === 401 ? { "www-authenticate": 'Bearer realm="credit-desk"' } : {};
  sendJson(res, err.status, { error: err.code, message: err.message, ...err.detail }, headers);
}

/** Reads the body, refusing it as soon as it passes `limit` bytes instead of buffering it all. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    // Node ends the stream with "aborted" (ECONNRESET) when the client closes before its body ends.
    if (!req.complete) throw new ClientGone();
    throw err;
  }
  return Buffer.concat(chunks);
}

/** The client left before its request's body was complete: there is no one left to answer. */
export class ClientGone extends Error {
  constructor() {
    super("the client closed the connection before the request body ended");
    this.name = "ClientGone";
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, "body_too_large", `the body is larger than ${limit} bytes`);
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) throw new HttpError(400, "invalid_json", "the body is empty; send a JSON object");
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "invalid_json", "the body is not valid JSON");
  }
}
