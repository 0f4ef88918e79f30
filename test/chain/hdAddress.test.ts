import { HDNodeWallet } from "ethers";
import { describe, expect, it } from "vitest";
import { deriveDepositAddress, xpubProblem } from "../../src/chain/hdAddress.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";

/**
 * Published vectors:
 * - BIP-32 test vector 2 (bitcoin/bips, bip-0032.mediawiki): master and m/0 extended public keys;
 * - the BIP-39 mnemonic "abandon … about": m/44'/60'/0'/0/0 is 0x9858EfFD232B4033E47d90003D41EC34EcaEda94
 *   (the address every wallet shows for it), and m/44'/195'/0'/0/0 is TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH
 *   (TRON's path; its key is published as a test constant of the hyperlane TRON SDK).
 * With the account-level xpub (m/44'/60'/0' or m/44'/195'/0') in the configuration, the deposit
 * address of index 0 (m/0/0 below it) must be exactly those.
 */
const VECTOR2_MASTER = "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB";
const VECTOR2_M0 = "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH";
const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const ETH_ACCOUNT_XPUB = "xpub6DCoCpSuQZB2jawqnGMEPS63ePKWkwWPH4TU45Q7LPXWuNd8TMtVxRrgjtEshuqpK3mdhaWHPFsBngh5GFZaM6si3yZdUsT8ddYM3PwnATt";
const TRON_ACCOUNT_XPUB = "xpub6D1AabNHCupeiLM65ZR9UStMhJ1vCpyV4XbZdyhMZBiJXALQtmn9p42VTQckoHVn8WNqS7dqnJokZHAHcHGoaQgmv8D45oNUKx6DZMNZBCd";

describe("deposit addresses from an extended public key", () => {
  it("derives BIP-32 test vector 2's m/0 from its master public key (non-hardened derivation is right)", () => {
    const m0 = (HDNodeWallet.fromExtendedKey(VECTOR2_MASTER) as ReturnType<typeof HDNodeWallet.fromExtendedKey>).deriveChild(0);
    expect(m0.extendedKey).toBe(VECTOR2_M0);
  });

  it("the account xpubs are those of the published mnemonic", () => {
    expect(HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'").neuter().extendedKey).toBe(ETH_ACCOUNT_XPUB);
    expect(HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/195'/0'").neuter().extendedKey).toBe(TRON_ACCOUNT_XPUB);
  });

  it("gives the published EVM address for m/44'/60'/0'/0/0 and the published TRON address for m/44'/195'/0'/0/0", () => {
    expect(deriveDepositAddress(ETH_ACCOUNT_XPUB, 0, "evm")).toEqual({
      index: 0,
      hex: "0x9858effd232b4033e47d90003d41ec34ecaeda94",
      display: "0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
    });
    expect(deriveDepositAddress(TRON_ACCOUNT_XPUB, 0, "tron").display).toBe("TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH");
  });

  it("EVM and TRON addresses of one key and index are the same 20 bytes", () => {
    const evm = deriveDepositAddress(ETH_ACCOUNT_XPUB, 7, "evm");
    const tron = deriveDepositAddress(ETH_ACCOUNT_XPUB, 7, "tron");
    expect(tron.hex).toBe(evm.hex);
    expect(tron.display).toMatch(/^T/);
    expect(deriveDepositAddress(ETH_ACCOUNT_XPUB, 8, "evm").hex).not.toBe(evm.hex);
  });

  it("never takes a private key: the configuration refuses an xprv, and a bad key", () => {
    const xprv = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'").extendedKey;
    expect(xprv.startsWith("xprv")).toBe(true);
    expect(xpubProblem(xprv)).toContain("private key");
    expect(xpubProblem("xpub-not-a-key")).toContain("not a valid");
    expect(xpubProblem(ETH_ACCOUNT_XPUB)).toBeNull();
    const base = {
      id: "own",
      kind: "usdt",
      label: { en: "own" },
      family: "evm",
      chainId: 1,
      tokenContract: "0xdAC17F958D2ee523a2206206994597C13D831ec7",
      decimals: 6,
      minimum: "1",
      confirmations: 1,
      explorerTxUrl: "https://x/{hash}",
      attribution: "per-account-address",
    };
    expect(() => parseMethods({ methods: [{ ...base, xpub: xprv }] })).toThrow(/xpub: this is a private key/);
    expect(() => parseMethods({ methods: [{ ...base }] })).toThrow(/xpub: per-account-address needs an extended public key/);
    expect(parseMethods({ methods: [{ ...base, xpub: ETH_ACCOUNT_XPUB }] }).methods[0]).toMatchObject({ attribution: "per-account-address" });
  });
});
