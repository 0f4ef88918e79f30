import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { parseUsageBatch, parseUsageBatchInSlices, usageRecordChecker, USAGE_TIME_LEEWAY_MS } from "../../src/usage/usageRecord.ts";

/**
 * The usage API checks a batch in slices, giving the event loop a turn between them (the web
 * process also acknowledges Slack), and every batch shares one compiled record schema whose
 * window is set for each record. Neither may change what a batch is found to hold.
 */
const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;
const account = "00000000-0000-4000-8000-000000000001";

function record(i: number, overrides: Record<string, unknown> = {}) {
  return { id: `slice-${i}`, accountId: account, model: "gpt-4o", endpoint: "/v1/chat/completions", cost: String(100 + i), time: new Date(NOW.getTime() - i * 1000).toISOString(), ...overrides };
}

describe("usage batch checked in slices", () => {
  it("finds what the one-piece check finds, bad records included", async () => {
    const records = Array.from({ length: 1000 }, (_, i) => {
      if (i % 97 === 5) return record(i, { cost: "-1" });
      if (i % 101 === 7) return record(i, { time: new Date(NOW.getTime() + 2 * DAY).toISOString(), model: "" });
      if (i % 89 === 3) return "not a record";
      return record(i);
    });
    const whole = parseUsageBatch({ records }, { now: NOW });
    const sliced = await parseUsageBatchInSlices({ records }, { now: NOW, slice: 64 });
    expect(sliced).toEqual(whole);
    expect(whole.rejected.length).toBeGreaterThan(20);
    expect(whole.valid.length + whole.rejected.length).toBe(1000);
  });

  it("lets the event loop run between slices", async () => {
    const records = Array.from({ length: 1000 }, (_, i) => record(i));
    let turns = 0;
    let parsing = true;
    const ticker = (async () => {
      while (parsing) {
        await nextTurn();
        turns++;
      }
    })();
    const parsed = await parseUsageBatchInSlices({ records }, { now: NOW, slice: 100 });
    parsing = false;
    await ticker;
    expect(parsed.valid.length).toBe(1000);
    // 10 slices, 9 turns between them: the other work ran in each.
    expect(turns).toBeGreaterThanOrEqual(9);
  });

  it("refuses a bad batch as a whole before any slice", async () => {
    await expect(parseUsageBatchInSlices({ records: [] })).rejects.toThrow(/empty/);
    await expect(parseUsageBatchInSlices([])).rejects.toThrow(/JSON object/);
  });
});

describe("one record schema for every batch", () => {
  it("judges each record by its own checker's window, however the checks interleave", () => {
    const early = usageRecordChecker(NOW);
    const late = usageRecordChecker(new Date(NOW.getTime() + 10 * DAY));
    const inFiveDays = record(1, { time: new Date(NOW.getTime() + 5 * DAY).toISOString() });
    for (let round = 0; round < 3; round++) {
      const a = early(inFiveDays);
      const b = late(inFiveDays);
      expect(a.success).toBe(false);
      expect(b.success).toBe(true);
      // The message names the window of the checker that refused it.
      expect(a.error?.issues.map((i) => i.message)).toEqual([expect.stringContaining(new Date(NOW.getTime() + USAGE_TIME_LEEWAY_MS).toISOString())]);
    }
    const parsedLate = parseUsageBatch({ records: [inFiveDays] }, { now: new Date(NOW.getTime() + 10 * DAY) });
    const parsedEarly = parseUsageBatch({ records: [inFiveDays] }, { now: NOW });
    expect(parsedLate.valid.length).toBe(1);
    expect(parsedEarly.rejected.map((r) => Object.keys(r.fields ?? {}))).toEqual([["time"]]);
  });
});
