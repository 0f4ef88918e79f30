import pino, { type Logger } from "pino";
import { secretValues } from "./config/env.ts";

const REDACT_PATHS = [
  "token",
  "*.token",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  "password",
  "*.password",
  "secret",
  "*.secret",
  "signingSecret",
  "*.signingSecret",
  "apiKey",
  "*.apiKey",
];

/** Replaces every configured secret value wherever it appears in a log line. */
export function scrubber(secrets: string[]): (line: string) => string {
  const sorted = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line;
    for (const secret of sorted) out = out.split(secret).join("[REDACTED]");
    return out;
  };
}

export function createLogger(
  options: { level?: string; secrets?: string[]; destination?: NodeJS.WritableStream } = {},
): Logger {
  const scrub = scrubber(options.secrets ?? secretValues());
  const destination = options.destination ?? process.stderr;
  return pino(
    { level: options.level ?? process.env.LOG_LEVEL ?? "info", redact: { paths: REDACT_PATHS, censor: "[REDACTED]" } },
    { write: (line: string) => destination.write(scrub(line)) },
  );
}

export type { Logger };
