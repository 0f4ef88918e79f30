import { describe, expect, it } from "vitest";
import { bold, code, parseInline, plainText, timeToken, utcText } from "../../src/core/markup.ts";

describe("inline markup", () => {
  const at = new Date("2026-11-29T16:23:45Z");

  it("parses bold, code and time tokens in order, keeping the text between", () => {
    const text = `Order ${bold("CD-000001")}: pay before ${timeToken(at)} (${timeToken(at, "relative")}); type ${code("proof CD-000001")}.`;
    expect(parseInline(text)).toEqual([
      { kind: "text", text: "Order " },
      { kind: "bold", text: "CD-000001" },
      { kind: "text", text: ": pay before " },
      { kind: "time", at, style: "datetime" },
      { kind: "text", text: " (" },
      { kind: "time", at, style: "relative" },
      { kind: "text", text: "); type " },
      { kind: "code", text: "proof CD-000001" },
      { kind: "text", text: "." },
    ]);
  });

  it("reads single stars, lone backticks and look-alike tokens as text", () => {
    for (const text of ["2 * 3 * 4", "a ` b", "**", "****", "⟦time:abc:datetime⟧", "⟦time:1:weekly⟧", "*one*"]) {
      expect(parseInline(text).map((s) => (s.kind === "text" ? s.text : `<${s.kind}>`)).join("")).toBe(text);
    }
  });

  it("plain text drops the marks and writes times in UTC", () => {
    expect(plainText(`Pay ${bold("$10.00")} before ${timeToken(at)} on ${timeToken(at, "date")}; ${code("x")}`)).toBe("Pay $10.00 before 2026-11-29 16:23 UTC on 2026-11-29 UTC; x");
    expect(utcText(at)).toBe("2026-11-29 16:23 UTC");
  });

  it("code never holds a backtick that would end it early", () => {
    expect(parseInline(code("a`b"))).toEqual([{ kind: "code", text: "a'b" }]);
  });
});
