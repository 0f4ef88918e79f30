import { describe, expect, it } from "vitest";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import { TEST_METHODS_JSON } from "../helpers/services.ts";

const trc20 = TEST_METHODS_JSON.methods.find((m) => m.id === "trc20")!;

/** A TRON address whose checksum fails is refused when the file is read, not on every watcher round, and never shown to customers. */
describe("TRON addresses in the payment methods file", () => {
  it("a deposit address with a bad checksum is refused, naming the field", () => {
    // One character of a valid address changed: still base58 and 34 characters, but not an address.
    const bad = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u";
    expect(() => parseMethods({ methods: [{ ...trc20, depositAddress: bad }] })).toThrow(/methods\.0\.depositAddress: not a valid TRON address: its checksum does not match/);
    expect(() => parseMethods({ methods: [{ ...trc20, tokenContract: bad }] })).toThrow(/methods\.0\.tokenContract: not a valid TRON address/);
  });

  it("a valid one is taken", () => {
    expect(parseMethods({ methods: [trc20] }).methods[0]).toMatchObject({ depositAddress: trc20.depositAddress });
  });
});
