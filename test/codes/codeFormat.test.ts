import { describe, expect, it } from "vitest";
import { candidateHashes, codeHashKeys, creationKey, hashRedemptionCode } from "../../src/codes/codeHash.ts";
import { CODE_ALPHABET, CODE_LENGTH, isRedemptionCodeShape, newRedemptionCode, normalizeRedemptionCode } from "../../src/codes/codeFormat.ts";
import { parseBatchNo } from "../../src/codes/batch.ts";
import { parseEligibility, parseExpiry } from "../../src/codes/parseBatchSpec.ts";
import { UserError } from "../../src/errors.ts";
import { formatBps } from "../../src/views/inviteView.ts";

describe("redemption codes: format", () => {
  it("carry at least 60 bits (79) in an alphabet with no 0/O or 1/I/L, grouped by four", () => {
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/);
    expect(new Set(CODE_ALPHABET).size).toBe(CODE_ALPHABET.length);
    expect(CODE_LENGTH * Math.log2(CODE_ALPHABET.length)).toBeGreaterThan(79);
    const codes = Array.from({ length: 2000 }, () => newRedemptionCode());
    for (const code of codes) expect(code).toMatch(/^[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){3}$/);
    expect(new Set(codes).size).toBe(codes.length);
    // Every symbol turns up: the draw covers the whole alphabet.
    expect(new Set(codes.join("").replace(/-/g, "")).size).toBe(CODE_ALPHABET.length);
  });

  it("are read back whatever the case, spaces, dashes or dots; anything else is not a code", () => {
    expect(normalizeRedemptionCode(" abcd-efgh jkmn.pqrs ")).toBe("ABCDEFGHJKMNPQRS");
    expect(isRedemptionCodeShape("ABCDEFGHJKMNPQRS")).toBe(true);
    for (const bad of ["ABCDEFGHJKMNPQR", "ABCDEFGHJKMNPQRST", "ABCDEFGHJKMNPQR0", "ABCDEFGHJKMNPQRO", "ABCDEFGHJKMNPQRI", "ABCDEFGHJKMNPQRL", "ABCDEFGHJKMNPQR1", "ABCDEFGHJKMNPQR!"]) {
      expect(isRedemptionCodeShape(bad), bad).toBe(false);
    }
  });
});

describe("redemption codes: hashes", () => {
  const env = (secret: string[], NODE_ENV: "production" | "development" = "development") => ({ REDEMPTION_CODE_SECRET: secret, NODE_ENV });

  it("are keyed: another secret gives another hash, and a rotated list tries every key, the first one making new codes", () => {
    const a = "a".repeat(32);
    const b = "b".repeat(32);
    expect(hashRedemptionCode(a, "ABCDEFGHJKMNPQRS")).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRedemptionCode(a, "ABCDEFGHJKMNPQRS")).not.toBe(hashRedemptionCode(b, "ABCDEFGHJKMNPQRS"));
    expect(candidateHashes(env([b, a]), "ABCDEFGHJKMNPQRS")).toEqual([hashRedemptionCode(b, "ABCDEFGHJKMNPQRS"), hashRedemptionCode(a, "ABCDEFGHJKMNPQRS")]);
    expect(creationKey(env([b, a]))).toBe(b);
  });

  it("fall back to a development key outside production, and refuse to make codes in production without a secret", () => {
    expect(codeHashKeys(env([]))).toHaveLength(1);
    expect(() => creationKey(env([]))).not.toThrow();
    expect(() => creationKey(env([], "production"))).toThrow(UserError);
  });
});

describe("batch input", () => {
  const now = new Date("2026-11-30T12:00:00Z");

  it("reads batch numbers, expiries and eligibility as support types them", () => {
    expect([parseBatchNo("RC-000012"), parseBatchNo("rc12"), parseBatchNo("12"), parseBatchNo("RC-0"), parseBatchNo("CD-000012")]).toEqual([12, 12, 12, null, null]);
    expect(parseExpiry(undefined, now).toISOString()).toBe("2026-12-30T12:00:00.000Z");
    expect(parseExpiry("7d", now).toISOString()).toBe("2026-12-07T12:00:00.000Z");
    expect(parseExpiry("12h", now).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(parseExpiry("2026-12-31", now).toISOString()).toBe("2027-01-01T00:00:00.000Z");
    for (const bad of ["0", "0d", "2026-11-29", "3651", "next week", "2026-13-01"]) expect(() => parseExpiry(bad, now), bad).toThrow(UserError);
    const id = "2f1e5a3c-1b2d-4c3e-8f4a-5b6c7d8e9f00";
    expect(parseEligibility("NEW")).toEqual({ eligibility: "new", accountIds: [] });
    expect(parseEligibility(undefined)).toEqual({ eligibility: "any", accountIds: [] });
    expect(parseEligibility(`${id}, ${id.toUpperCase()}`)).toEqual({ eligibility: "listed", accountIds: [id] });
    expect(() => parseEligibility("someone")).toThrow(UserError);
  });

  it("shows reward rates from basis points without floats", () => {
    expect([formatBps(1000), formatBps(250), formatBps(25), formatBps(0), formatBps(10000)]).toEqual(["10%", "2.5%", "0.25%", "0%", "100%"]);
  });
});
