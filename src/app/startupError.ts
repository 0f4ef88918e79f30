import { ConfigError, type Env } from "../config/env.ts";
import { MethodsConfigError } from "../methods/paymentMethods.ts";
import { DemoConfigError } from "./createServices.ts";
import { StartupStepError } from "./startupStep.ts";

/** The exit statuses the CLI documents, for the processes too: 1 something failed, 2 bad environment. */
export const EXIT_FAILED = 1;
export const EXIT_BAD_ENVIRONMENT = 2;

export interface StartupFailure {
  /** What an operator reads: what failed, the variable concerned, never a secret. */
  message: string;
  exitCode: number;
}

/** The database DATABASE_URL names, without its password: `host:port/database`. */
export function databaseLabel(url: string | undefined, pgliteDir: string): string {
  if (!url) return `embedded PGlite in ${pgliteDir} (PGLITE_DIR)`;
  try {
    const parsed = new URL(url);
    return `PostgreSQL at ${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname || "/"} (DATABASE_URL)`;
  } catch {
    return "the PostgreSQL server of DATABASE_URL";
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: "nothing answers there",
  ENOTFOUND: "that host name does not resolve",
  EAI_AGAIN: "that host name does not resolve",
  ETIMEDOUT: "the connection timed out",
  ECONNRESET: "the connection was closed",
  "28P01": "the password was refused",
  "28000": "the role may not log in",
  "3D000": "that database does not exist",
};

function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  // Node's fetch nests the cause; Slack's Web API client keeps the underlying error as `original`.
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 6; e = (e as { cause?: unknown; original?: unknown }).cause ?? (e as { original?: unknown }).original, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    for (const inner of (e as { errors?: unknown[] }).errors ?? []) codesOf(inner).forEach((c) => codes.push(c));
  }
  return codes;
}

/**
 * One clear line for whatever stopped a process from starting: the configuration (exit 2), the
 * database or the port (exit 1), or anything else, without a stack trace and without a secret.
 */
export function describeStartupFailure(err: unknown, env: Pick<Env, "DATABASE_URL" | "PGLITE_DIR" | "PORT"> | null): StartupFailure {
  if (err instanceof ConfigError) return { message: `${err.message}\nSee .env.example for every variable.`, exitCode: EXIT_BAD_ENVIRONMENT };
  if (err instanceof MethodsConfigError || err instanceof DemoConfigError) return { message: err.message, exitCode: EXIT_BAD_ENVIRONMENT };
  const codes = codesOf(err instanceof StartupStepError ? err.failure : err);
  if (codes.includes("EADDRINUSE") || codes.includes("EACCES")) {
    const why = codes.includes("EADDRINUSE") ? "is already in use: stop what listens there, or set another PORT" : "may not be opened by this user: set another PORT";
    return { message: `Cannot start the web server: port ${env?.PORT ?? "?"} (PORT) ${why}.`, exitCode: EXIT_FAILED };
  }
  const reasonCode = codes.find((c) => c in REASONS);
  const reason = reasonCode ? `${REASONS[reasonCode]} (${reasonCode})` : lastLine(err instanceof StartupStepError ? err.failure : err);
  if (err instanceof StartupStepError && err.step === "database") {
    return { message: `Cannot open the database: ${env ? databaseLabel(env.DATABASE_URL, env.PGLITE_DIR) : "DATABASE_URL"}: ${reason}.`, exitCode: EXIT_FAILED };
  }
  if (err instanceof StartupStepError && err.step === "slack") {
    return { message: `Cannot start the Slack surface (SLACK_BOT_TOKEN, SLACK_API_URL): ${slackReason(err.failure) ?? reason}.`, exitCode: EXIT_FAILED };
  }
  if (err instanceof StartupStepError && err.step === "discord") {
    return { message: `Cannot start the Discord client (DISCORD_TOKEN, DISCORD_API_URL): ${reason}.`, exitCode: EXIT_FAILED };
  }
  return { message: `Start-up failed: ${reason}`, exitCode: EXIT_FAILED };
}

function lastLine(err: unknown): string {
  return scrubUrls((err instanceof Error ? err.message : String(err)).trim().split("\n").filter(Boolean).pop() ?? "unknown error");
}

/** Slack's own error code (invalid_auth, account_inactive, …) when it answered one. */
function slackReason(err: unknown): string | null {
  const code = (err as { data?: { error?: unknown } } | null)?.data?.error;
  return typeof code === "string" ? `Slack answered ${code}` : null;
}

/** URLs can carry credentials: only their host is ever printed. */
function scrubUrls(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"')]+/gi, (url) => {
    try {
      return new URL(url).host;
    } catch {
      return "[url]";
    }
  });
}
