import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bold, code, timeToken } from "../../src/core/markup.ts";
import { renderInline, type InlineStyle } from "../../src/platforms/console/render.ts";
import type { Services } from "../../src/services.ts";
import { lastOrderNo, runConsole } from "../helpers/consoleScript.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";

const dir = mkdtempSync(path.join(tmpdir(), "cd-markup-"));
const png = path.join(dir, "pay.png");
writeFileSync(png, PNG_BYTES);
const hash = (n: number) => "0x" + n.toString(16).padStart(64, "0");

const NOW = Date.parse("2026-11-29T15:26:00Z");
const style = (over: Partial<InlineStyle> = {}): InlineStyle => ({ ansi: false, locale: "en", now: () => new Date(NOW), ...over });

describe("inline markup on the terminal", () => {
  it("bold is ANSI bold only when the terminal takes it; otherwise the plain words", () => {
    const text = `Order ${bold("CD-000001")} is ready`;
    expect(renderInline(text, style({ ansi: true }))).toBe("Order \u001b[1mCD-000001\u001b[22m is ready");
    expect(renderInline(text, style())).toBe("Order CD-000001 is ready");
  });

  it("code shows as the value itself, without backticks", () => {
    expect(renderInline(`Type ${code("proof CD-000001")} to send it.`, style())).toBe("Type proof CD-000001 to send it.");
  });

  it("moments in UTC; relative times localized, with plural forms", () => {
    const at = new Date("2026-11-29T16:23:00Z");
    expect(renderInline(timeToken(at), style())).toBe("2026-11-29 16:23 UTC");
    expect(renderInline(timeToken(at, "date"), style())).toBe("2026-11-29 UTC");
    expect(renderInline(timeToken(at, "relative"), style())).toBe("in 57 min");
    expect(renderInline(timeToken(at, "relative"), style({ locale: "zh-CN" }))).toBe("57 分钟后");
    expect(renderInline(timeToken(new Date(NOW - 3 * 3600_000), "relative"), style())).toBe("3 h ago");
    expect(renderInline(timeToken(new Date(NOW - 3 * 3600_000), "relative"), style({ locale: "zh-CN" }))).toBe("3 小时前");
    expect(renderInline(timeToken(new Date(NOW + 86_400_000), "relative"), style())).toBe("in 1 day");
    expect(renderInline(timeToken(new Date(NOW + 2 * 86_400_000), "relative"), style())).toBe("in 2 days");
  });

  it("an escape sequence inside a value is shown, never sent to the terminal; only the renderer's bold is", () => {
    const out = renderInline(`${bold("evil\u001b[2Jname")} and \u001b]0;title\u0007`, style({ ansi: true }));
    expect(out.startsWith("\u001b[1m")).toBe(true);
    expect(out.replaceAll("\u001b[1m", "").replaceAll("\u001b[22m", "")).not.toContain("\u001b");
  });
});

describe("through the console", () => {
  let services: Services;
  let clock = NOW;
  beforeAll(async () => {
    services = await createTestServices({ env: { ORDER_TTL_MINUTES: "57" }, now: () => new Date(clock) });
  });
  afterAll(async () => {
    await services.db.close();
  });

  it("an order's deadline in UTC with its countdown, in English and in Chinese; no backticks or markup characters anywhere", async () => {
    const en = await runConsole(services, ["help", "/help", "topup trc20 10", "1", "/cancel"]);
    expect(en).toMatch(/: 2026-11-29 16:23 UTC \(in 57 min\)/);
    expect(en).not.toContain("`");
    expect(en).not.toContain("**");
    expect(en).not.toMatch(/⟦|⟧/);
    expect(en).not.toContain("\u001b");

    const zh = await runConsole(services, ["topup trc20 10"], { customer: "li", support: "sam", locale: "zh-CN" });
    expect(zh).toMatch(/: 2026-11-29 16:23 UTC \(57 分钟后\)/);
    expect(zh).not.toContain("`");
    expect(zh).not.toContain("**");
  });

  it("the support queue's relative times follow the session's clock, which /wait moves; bold when the console is a terminal", async () => {
    const order = lastOrderNo(await runConsole(services, ["topup trc20 10", "1", hash(1), png], { customer: "ann", support: "sam" }));
    clock += 3 * 3600_000;
    const out = await runConsole(services, ["/as support", "queue", "/wait 60", "queue"], { customer: "ann", support: "sam", ansi: true });
    const queues = out.split("/wait 60");
    expect(queues[0]).toContain("3 h ago");
    expect(queues[1]).toContain("4 h ago");
    expect(out).toContain(`\u001b[1m${order}\u001b[22m`);
    expect(out).toContain("60 minutes passed");
  });
});
