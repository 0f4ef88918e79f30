import { createHash } from "node:crypto";

/**
 * Names for server-side prepared statements, so PostgreSQL parses and plans a statement once per
 * connection instead of on every execution (a posting's statement is planned in more time than it
 * runs). A statement is named from its second sighting on, and at most `limit` texts are ever
 * named: every name stays prepared on each connection that used it, so the set must stay bounded
 * even when queries are built with a varying number of parameters. Returning undefined leaves a
 * statement unnamed, as node-postgres does by default.
 */
export function statementNamer(limit: number): (query: { sql: string }) => string | undefined {
  const named = new Map<string, string>();
  const seenOnce = new Set<string>();
  const SEEN_LIMIT = 1000;
  return ({ sql }) => {
    if (limit <= 0) return undefined;
    const existing = named.get(sql);
    if (existing) return existing;
    if (named.size >= limit) return undefined;
    if (!seenOnce.has(sql)) {
      if (seenOnce.size >= SEEN_LIMIT) seenOnce.delete(seenOnce.values().next().value!);
      seenOnce.add(sql);
      return undefined;
    }
    seenOnce.delete(sql);
    const name = `cd_${createHash("sha256").update(sql).digest("hex").slice(0, 24)}`;
    named.set(sql, name);
    return name;
  };
}
