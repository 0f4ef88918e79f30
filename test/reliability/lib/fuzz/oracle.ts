import type { PrismaClient } from "../../../../src/db/index.ts";
import { translate } from "../../../../src/i18n.ts";

/**
 * What every entrance is judged by: the database before and after (table by table), the answers
 * (an internal-error reply is a crash even when it is polite), and counts per entrance.
 */

/** Tables where a refusal is recorded by design: reported apart, never counted as a write. */
export const BOOKKEEPING_TABLES = new Set(["audit_log", "user_rate_counters"]);

export type TableState = Record<string, { rows: number; digest: string }>;

/** Row count and a digest of every row of every table (so an update shows, not only an insert). */
export async function tableState(prisma: PrismaClient): Promise<TableState> {
  const tables = await prisma.$queryRaw<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
    ORDER BY 1`;
  const state: TableState = {};
  for (const { name } of tables) {
    const [row] = await prisma.$queryRawUnsafe<{ rows: bigint; digest: string }[]>(
      `SELECT count(*)::bigint AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM "${name.replace(/"/g, '""')}" t`,
    );
    state[name] = { rows: Number(row.rows), digest: row.digest };
  }
  return state;
}

export interface StateDiff {
  /** Tables whose rows changed (bookkeeping tables excluded). */
  written: { table: string; before: number; after: number }[];
  /** New rows in the bookkeeping tables. */
  bookkeeping: Record<string, number>;
}

export function diffState(before: TableState, after: TableState): StateDiff {
  const diff: StateDiff = { written: [], bookkeeping: {} };
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[table] ?? { rows: 0, digest: "" };
    const b = after[table] ?? { rows: 0, digest: "" };
    if (BOOKKEEPING_TABLES.has(table)) {
      diff.bookkeeping[table] = b.rows - a.rows;
      continue;
    }
    if (a.digest !== b.digest) diff.written.push({ table, before: a.rows, after: b.rows });
  }
  return diff;
}

const INTERNAL_TEXTS = [translate("en", "errors.internal", { traceId: "§" }), translate("zh-CN", "errors.internal", { traceId: "§" })].map((t) => t.split("§")[0].slice(0, 30));

const RAW_ERROR = /trace id|traceId|errors\.internal|\bat [\w.<>]+ \(.*:\d+:\d+\)|PrismaClient|Invalid `prisma|TypeError|RangeError|ReferenceError|SyntaxError|unique constraint|value out of range|violates|ECONNREFUSED/i;

/**
 * An answer that says something broke on our side (in any language we ship), or that shows a raw
 * error. Words the input itself carried (an answer may quote what was typed) do not count.
 */
export function isInternalError(text: string, input = ""): boolean {
  if (INTERNAL_TEXTS.some((t) => t && text.includes(t))) return true;
  const match = RAW_ERROR.exec(text);
  return match !== null && !input.toLowerCase().includes(match[0].toLowerCase());
}

/** A message key shown raw (a missing translation) is not a user-facing message. */
export function rawKey(text: string): string | null {
  return /\b(errors|topups|support|payments|chain|slack|discord|console|help|balance|alerts|link)\.[a-z_]+(\.[a-z_]+)*\b/.exec(text)?.[0] ?? null;
}

export interface Crash {
  input: string;
  what: string;
}

/** The counts of one entrance. */
export class EntranceStats {
  inputs = 0;
  /** Answered with a message the user can read, or a 4xx. */
  answered = 0;
  crashes: Crash[] = [];
  unanswered: Crash[] = [];
  /** HTTP statuses, or answer kinds, and how often. */
  readonly kinds = new Map<string, number>();

  constructor(readonly name: string) {}

  count(kind: string): void {
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
  }

  crash(input: string, what: string): void {
    this.crashes.push({ input: input.slice(0, 600), what: what.slice(0, 600) });
  }

  summary(): string {
    return [...this.kinds.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
  }
}

/** Groups crashes by what went wrong, keeping the shortest input of each as the reproduction. */
export function groupCrashes(crashes: Crash[]): { what: string; count: number; input: string }[] {
  const groups = new Map<string, { what: string; count: number; input: string }>();
  for (const c of crashes) {
    const key = c.what.replace(/[0-9a-f]{8}\b/g, "…").replace(/\d+/g, "#").slice(0, 120);
    const g = groups.get(key);
    if (!g) groups.set(key, { what: c.what, count: 1, input: c.input });
    else {
      g.count += 1;
      if (c.input.length < g.input.length) g.input = c.input;
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** Error-level log lines grouped by what they say (message and error, ids and numbers blanked). */
export function groupErrorLines(lines: { source: string; line: string }[]): { signature: string; count: number; sample: string }[] {
  const groups = new Map<string, { signature: string; count: number; sample: string }>();
  for (const { source, line } of lines) {
    let signature = line.slice(0, 160);
    try {
      const parsed = JSON.parse(line) as { msg?: string; err?: { message?: string; type?: string } | string };
      const err = typeof parsed.err === "string" ? parsed.err : (parsed.err?.message ?? "");
      const lastLine = err.split("\n").map((l) => l.trim()).filter(Boolean).pop() ?? "";
      const where = /Invalid `([^`]+)` invocation/.exec(err)?.[1] ?? "";
      signature = `${parsed.msg ?? ""}${where ? ` — ${where}` : ""}${lastLine ? ` — ${lastLine.slice(0, 140)}` : ""}`;
    } catch {
      // not JSON
    }
    signature = signature.replace(/\b[0-9a-f]{8}\b/g, "…").replace(/\d{4,}/g, "#");
    const g = groups.get(signature) ?? { signature, count: 0, sample: `${source}: ${line.slice(0, 1200)}` };
    g.count += 1;
    groups.set(signature, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
