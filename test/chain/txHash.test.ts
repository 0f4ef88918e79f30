import { describe, expect, it } from "vitest";
import { displayTxHash, normalizeTxHash } from "../../src/chain/txHash.ts";
import { UserError } from "../../src/errors.ts";

const HEX64 = "9F3C2B1A00000000000000000000000000000000000000000000000000ABCDEF";

function refusal(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error("expected a UserError");
}

describe("transaction hash format", () => {
  it("EVM: needs 0x + 64 hex; stores lowercase", () => {
    expect(normalizeTxHash("evm", `0x${HEX64}`)).toBe(`0x${HEX64.toLowerCase()}`);
    expect(normalizeTxHash("evm", `  0x${HEX64}\n`)).toBe(`0x${HEX64.toLowerCase()}`);
    const error = refusal(() => normalizeTxHash("evm", HEX64));
    expect(error.key).toBe("errors.tx_hash_format");
    expect(error.field).toBe("txHash");
  });

  it("TRON: accepts the hash with or without 0x and stores one form", () => {
    const stored = normalizeTxHash("tron", HEX64);
    expect(stored).toBe(`0x${HEX64.toLowerCase()}`);
    expect(normalizeTxHash("tron", `0x${HEX64.toLowerCase()}`)).toBe(stored);
    expect(displayTxHash("tron", stored)).toBe(HEX64.toLowerCase());
    expect(displayTxHash("evm", stored)).toBe(stored);
  });

  it.each([
    ["too short", "0x" + HEX64.slice(1)],
    ["too long", "0x" + HEX64 + "0"],
    ["not hex", "0x" + HEX64.slice(1) + "g"],
    ["an address, not a hash", "0xdAC17F958D2ee523a2206206994597C13D831ec7"],
    ["empty", ""],
    ["an explorer link", `https://etherscan.io/tx/0x${HEX64}`],
  ])("refuses %s on both families", (_label, input) => {
    expect(refusal(() => normalizeTxHash("evm", input)).key).toBe("errors.tx_hash_format");
    expect(refusal(() => normalizeTxHash("tron", input, "hash")).field).toBe("hash");
  });
});
