import { describe, expect, it } from "vitest";
import { checkScreenshot, sniffImage } from "../../src/files/sniffImage.ts";
import { bonusFor, snapshotBonusRule, tierBpsFor } from "../../src/topups/bonus.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import { ORDER_STATUSES, assertTransition, canTransition, normalizeOrderRef, type OrderStatus } from "../../src/topups/orderStatus.ts";
import { UserError } from "../../src/errors.ts";
import { TEST_METHODS_JSON, PNG_BYTES } from "../helpers/services.ts";

const usd = (n: number) => BigInt(n) * 1_000_000n;
const methods = parseMethods(TEST_METHODS_JSON);
const rule = (id: string) => snapshotBonusRule(methods.methods.find((m) => m.id === id)!.bonus);

describe("bonus policy", () => {
  it("a flat 20% USDT bonus: 10 → 2, and it is computed to the micro-USD, rounded down", () => {
    expect(bonusFor(usd(10), rule("trc20"))).toBe(usd(2));
    expect(bonusFor(1n, rule("trc20"))).toBe(0n);
    expect(bonusFor(12_345_678n, rule("trc20"))).toBe(2_469_135n);
  });

  it("the seeds' tier table: $100 → 3%, $500 → 4%, $1,000 → 10%, more than $1,000 → 12%", () => {
    const bank = rule("bank");
    const cases: [number, number][] = [[10, 0], [50, 0], [99, 0], [100, 3], [500, 20], [999, 39.96], [1000, 100], [1000.000001, 120.00000012], [2000, 240]];
    for (const [amount, bonus] of cases) {
      const micros = BigInt(Math.round(amount * 1_000_000));
      expect(bonusFor(micros, bank), `${amount}`).toBe(BigInt(Math.floor(bonus * 1_000_000 + 1e-6)));
    }
    expect(tierBpsFor(usd(1000), bank)).toBe(1000);
    expect(tierBpsFor(usd(1000) + 1n, bank)).toBe(1200);
  });

  it("flat and tier rates add up when a method has both", () => {
    const both = { flatBps: 500, tiers: [{ min: String(usd(100)), exclusive: false, bps: 300 }] };
    expect(bonusFor(usd(100), both)).toBe(usd(8));
    expect(bonusFor(usd(99), both)).toBe(4_950_000n);
  });
});

describe("order states", () => {
  it("allows exactly the transitions of PRODUCT §3, with detection, late payments and reopening", () => {
    const allowed = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual(
      [
        "pending→submitted",
        "pending→expired",
        "pending→cancelled",
        "submitted→confirmed",
        "submitted→rejected",
        "confirmed→refunded",
        // the log scan credits a payment nobody sent a proof for
        "pending→confirmed",
        // support accepts a late payment
        "expired→confirmed",
        // support reopens, or the customer resends after "not found yet"
        "rejected→submitted",
      ].sort(),
    );
  });

  it("explains a refused transition with its own message", () => {
    const keyOf = (from: OrderStatus, to: OrderStatus, allowedFrom?: OrderStatus[]) => {
      try {
        assertTransition(from, to, "CD-000001", allowedFrom);
        return null;
      } catch (err) {
        return (err as UserError).key;
      }
    };
    expect(keyOf("expired", "submitted")).toBe("errors.order_expired");
    expect(keyOf("cancelled", "submitted")).toBe("errors.order_cancelled");
    expect(keyOf("confirmed", "confirmed")).toBe("errors.order_already_decided");
    expect(keyOf("submitted", "submitted")).toBe("errors.order_already_submitted");
    // A click confirms a submitted order only: a pending one has no payment yet.
    expect(keyOf("pending", "confirmed", ["submitted"])).toBe("errors.order_not_paid");
    expect(keyOf("rejected", "submitted", ["pending"])).toBe("errors.order_already_decided");
    expect(keyOf("cancelled", "confirmed")).toBe("errors.order_cancelled");
  });

  it("reads order numbers the way customers type them", () => {
    expect(normalizeOrderRef("CD-000012")).toBe("CD-000012");
    expect(normalizeOrderRef("cd-12")).toBe("CD-000012");
    expect(normalizeOrderRef(" 12 ")).toBe("CD-000012");
    expect(normalizeOrderRef("0B6F8C1E-0000-4000-8000-000000000000")).toBe("0b6f8c1e-0000-4000-8000-000000000000");
    expect(normalizeOrderRef("DROP TABLE")).toBeNull();
  });
});

describe("screenshots are checked by content", () => {
  const bytes = (hex: string, pad = 16) => new Uint8Array([...Buffer.from(hex, "hex"), ...new Uint8Array(pad)]);
  it("recognises PNG, JPEG, WebP and GIF by their magic bytes", () => {
    expect(sniffImage(PNG_BYTES)).toBe("image/png");
    expect(sniffImage(bytes("ffd8ffe0"))).toBe("image/jpeg");
    expect(sniffImage(bytes("474946383961"))).toBe("image/gif");
    expect(sniffImage(bytes("474946383761"))).toBe("image/gif");
    expect(sniffImage(new Uint8Array([...Buffer.from("RIFF"), 0, 0, 0, 0, ...Buffer.from("WEBPVP8 ")]))).toBe("image/webp");
  });

  it("refuses text, PDFs, RIFF audio, empty files and files over the limit", () => {
    for (const sample of [Buffer.from("hello.png"), Buffer.from("%PDF-1.7"), Buffer.from("RIFF\0\0\0\0WAVEfmt "), Buffer.alloc(0)]) {
      expect(() => checkScreenshot(new Uint8Array(sample), 1024)).toThrowError(expect.objectContaining({ key: "errors.file_not_image", field: "screenshot" }));
    }
    expect(() => checkScreenshot(new Uint8Array(2048).fill(1), 1024)).toThrowError(expect.objectContaining({ key: "errors.file_too_large" }));
    expect(checkScreenshot(PNG_BYTES, 1024)).toBe("image/png");
  });
});

describe("payment methods configuration", () => {
  it("refuses a file with problems and names each one", () => {
    const bad = structuredClone(TEST_METHODS_JSON) as { methods: Record<string, unknown>[] };
    bad.methods[1].depositAddress = "not-an-address";
    bad.methods[1].minimum = 10;
    bad.methods.push({ ...bad.methods[0] });
    expect(() => parseMethods(bad)).toThrowError(/depositAddress[\s\S]*minimum|minimum[\s\S]*depositAddress/);
  });

  it("auto-confirm needs an RPC URL and a cap", () => {
    const bad = structuredClone(TEST_METHODS_JSON) as { methods: Record<string, unknown>[] };
    bad.methods[1].autoConfirm = true;
    expect(() => parseMethods(bad)).toThrowError(/auto-confirm needs at least one RPC URL[\s\S]*auto-confirm needs a cap/);
  });
});
