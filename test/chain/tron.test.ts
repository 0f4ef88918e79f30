import { describe, expect, it } from "vitest";
import { hexToTron, isTronBase58Address, toEvmAddress, tronToEvmHex, tronToHex41 } from "../../src/chain/tron.ts";

// Real pairs published by independent sources (not derived with this code):
// - USDT's TRC20 contract, as shown by Tronscan;
// - iexbase/tron-api-python examples/hex.py (TronGrid's address utilities);
// - the CryptoTron::AddrTools synopsis on metacpan;
// - Dune's from_tron_address() documentation (20-byte form, no 41 prefix).
const KNOWN_PAIRS: [base58: string, hex41: string][] = [
  ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "41a614f803b6fd780986a42c78ec9c7f77e6ded13c"],
  ["TT67rPNwgmpeimvHUMVzFfKsjL9GZ1wGw8", "41BBC8C05F1B09839E72DB044A6AA57E2A5D414A10"],
  ["TQHgMpVzWkhSsRB4BzZgmV8uW4cFL8eaBr", "419D1015E669C2DF831003C5C54CEB48DA613D9979"],
  ["THHRK1bA7YRPZBcLnTP1SZy9ipUpsRwpo6", "41503aa4ad108bd3a89ba0310e23b49fb654cd6986"],
];

describe("TRON addresses", () => {
  it.each(KNOWN_PAIRS)("%s ↔ %s", (base58, hex41) => {
    expect(tronToHex41(base58)).toBe(hex41.toLowerCase());
    expect(tronToEvmHex(base58)).toBe("0x" + hex41.slice(2).toLowerCase());
    expect(hexToTron(hex41)).toBe(base58);
    expect(hexToTron("0x" + hex41)).toBe(base58);
    expect(hexToTron("0x" + hex41.slice(2))).toBe(base58);
    expect(isTronBase58Address(base58)).toBe(true);
  });

  it("accepts every configured form and yields the lowercase 20-byte hex the JSON-RPC logs carry", () => {
    const expected = "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c";
    expect(toEvmAddress("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")).toBe(expected);
    expect(toEvmAddress("41A614F803B6FD780986A42C78EC9C7F77E6DED13C")).toBe(expected);
    expect(toEvmAddress("0x41a614f803b6fd780986a42c78ec9c7f77e6ded13c")).toBe(expected);
    expect(toEvmAddress("0xA614F803B6FD780986A42C78EC9C7F77E6DED13C")).toBe(expected);
  });

  it("refuses a base58 address whose checksum does not hold", () => {
    // One character changed (…otSzgjLj6t → …otSzgjLj6u): the shape is right, the checksum is not.
    const tampered = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u";
    expect(isTronBase58Address(tampered)).toBe(false);
    expect(() => tronToHex41(tampered)).toThrow(/not a valid TRON address/);
    expect(() => toEvmAddress(tampered)).toThrow();
  });

  it("refuses the demo placeholder address, bad characters and wrong lengths", () => {
    expect(isTronBase58Address("TDemoAddressDoNotSendFundsXXXXXXXX")).toBe(false);
    expect(isTronBase58Address("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6")).toBe(false);
    expect(isTronBase58Address("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj0t")).toBe(false); // 0 is not base58
    expect(() => hexToTron("0x1234")).toThrow();
    expect(() => toEvmAddress("0x41a614f803b6fd780986a42c78ec9c7f77e6ded13")).toThrow(); // 41 hex digits
  });

  it("refuses a valid base58check address of another chain", () => {
    // A valid Bitcoin address: its checksum holds, but it is not a T… (0x41) address.
    expect(isTronBase58Address("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")).toBe(false);
  });
});
