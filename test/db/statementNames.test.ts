import { describe, expect, it } from "vitest";
import { statementNamer } from "../../src/db/statementNames.ts";

describe("prepared statement names", () => {
  it("names a statement from its second run on, the same name every time", () => {
    const name = statementNamer(10);
    expect(name({ sql: "SELECT 1" })).toBeUndefined();
    const second = name({ sql: "SELECT 1" });
    expect(second).toMatch(/^cd_[0-9a-f]{24}$/);
    expect(name({ sql: "SELECT 1" })).toBe(second);
    name({ sql: "SELECT 2" });
    expect(name({ sql: "SELECT 2" })).not.toBe(second);
  });

  it("never names more than its limit of distinct statements, and none at 0", () => {
    const name = statementNamer(3);
    const names = new Set<string>();
    for (let i = 0; i < 10; i++) {
      name({ sql: `SELECT ${i}` });
      const n = name({ sql: `SELECT ${i}` });
      if (n) names.add(n);
    }
    expect(names.size).toBe(3);
    expect(name({ sql: "SELECT 0" })).toBeDefined();
    expect(name({ sql: "SELECT 9" })).toBeUndefined();

    const off = statementNamer(0);
    off({ sql: "SELECT 1" });
    expect(off({ sql: "SELECT 1" })).toBeUndefined();
  });
});
