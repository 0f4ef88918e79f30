import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponentWithCustomId } from "discord.js";
import { describe, expect, it } from "vitest";
import { CUSTOM_ID_MAX, CustomIdTooLong, decodeCustomId, encodeCustomId } from "../../src/platforms/discord/customId.ts";
import { renderMessage, renderModal } from "../../src/platforms/discord/render.ts";
import { InvalidRequestBudget } from "../../src/platforms/discord/rest.ts";
import type { Reply } from "../../src/reply.ts";

describe("custom_id carries the invocation", () => {
  it("round-trips order ids, order numbers and awkward values", () => {
    const uuid = "3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a3b";
    const cases: Record<string, string>[] = [{ order: uuid }, { order: "CD-000123" }, { order: "CD-1", reason: "a&b=c:d#e" }, {}];
    for (const args of cases) {
      const id = encodeCustomId("cd", { command: "reject", args });
      expect(id.length).toBeLessThanOrEqual(CUSTOM_ID_MAX);
      expect(decodeCustomId(id)).toEqual({ kind: "cd", invocation: { command: "reject", args } });
      expect(decodeCustomId(encodeCustomId("cd", { command: "reject", args }, 2))?.invocation.args).toEqual(args);
    }
    expect(encodeCustomId("cd", { command: "confirm", args: { order: uuid } })).toBe(`cd:confirm:order=${uuid}`);
  });

  it("refuses to build one longer than Discord allows, and reads nothing from a forged one", () => {
    expect(() => encodeCustomId("cd", { command: "reject", args: { order: "x".repeat(90) } })).toThrow(CustomIdTooLong);
    for (const forged of ["", "cd", "zz:confirm:order=1", "cd:../etc:order=1", "cd:confirm:order", "cd:confirm:=1", "cd:confirm:order=%E0%A4%A"]) {
      expect(decodeCustomId(forged)).toBeNull();
    }
  });
});

describe("invalid-request budget (Discord bans at 10,000 401/403/429 in 10 minutes)", () => {
  it("counts 401, 403 and 429 (not shared-scope 429s, not 404) and pauses past the threshold until the window moves", () => {
    let now = 1_000_000;
    const budget = new InvalidRequestBudget({ pauseAt: 3, windowMs: 600_000, now: () => now });
    budget.record(404);
    budget.record(200);
    budget.record(429, "shared");
    expect(budget.count()).toBe(0);
    budget.record(401);
    now += 1000;
    budget.record(403);
    expect(budget.pausedForMs()).toBe(0);
    now += 1000;
    budget.record(429, "user");
    expect(budget.count()).toBe(3);
    // The oldest error leaves the window 600 s after it happened: 598 s from now.
    expect(budget.pausedForMs()).toBe(598_000);
    now += 598_000;
    expect(budget.pausedForMs()).toBe(0);
    expect(budget.count()).toBe(2);
  });
});

describe("renderer", () => {
  it("puts each form field in a Label, the file upload included, with the invocation in custom_id", () => {
    const modal = renderModal({
      command: "proof",
      args: { order: "CD-000007" },
      title: "Send the proof of payment for this top-up order please",
      submitLabel: "Send",
      fields: [
        { kind: "text", name: "txHash", label: "Transaction hash", required: true, maxLength: 200, placeholder: "0x…" },
        { kind: "select", name: "reason", label: "Reason", required: false, initial: "b", options: [{ value: "a", label: "A" }, { value: "b", label: "B", description: "bee" }] },
        { kind: "file", name: "screenshot", label: "Screenshot", required: true, hint: "PNG, JPEG, WebP or GIF" },
      ],
    });
    expect(modal.custom_id).toBe("cf:proof:order=CD-000007");
    expect(modal.title.length).toBeLessThanOrEqual(45);
    const [text, select, file] = modal.components as any[];
    expect(text).toMatchObject({ type: ComponentType.Label, label: "Transaction hash", component: { type: ComponentType.TextInput, custom_id: "txHash", required: true, max_length: 200 } });
    expect(text.component.label).toBeUndefined();
    expect(select.component).toMatchObject({ type: ComponentType.StringSelect, custom_id: "reason", required: false, min_values: 0, max_values: 1 });
    expect(select.component.options.find((o: any) => o.value === "b").default).toBe(true);
    expect(file).toMatchObject({ type: ComponentType.Label, description: "PNG, JPEG, WebP or GIF", component: { type: ComponentType.FileUpload, custom_id: "screenshot", min_values: 1, max_values: 1, required: true } });
  });

  it("keeps within Discord's limits: long text truncated, fields past 25 in the next embed, 5 buttons a row, repeated custom_ids made unique, confirm → ask first", async () => {
    const reply: Reply = {
      blocks: [
        { type: "header", text: "H".repeat(300) },
        { type: "fields", fields: Array.from({ length: 30 }, (_, i) => ({ label: `f${i}`, value: "v".repeat(2000) })) },
        { type: "text", text: "after the fields" },
        {
          type: "buttons",
          buttons: [
            ...Array.from({ length: 6 }, (_, i) => ({ label: `b${i}`, command: "cancel", args: { order: `CD-${i}` } })),
            { label: "again", command: "cancel", args: { order: "CD-0" }, style: "danger" as const },
            { label: "Confirm", command: "confirm", args: { order: "CD-9" }, style: "primary" as const, confirm: { title: "t", text: "x", confirm: "y", deny: "n" } },
          ],
        },
      ],
    };
    const message = await renderMessage(reply);
    const rows = message.components as APIActionRowComponent<APIButtonComponentWithCustomId>[];
    expect(message.embeds[0].title!.length).toBe(256);
    expect(message.embeds[0].fields).toHaveLength(25);
    expect(message.embeds[0].fields!.every((f) => f.value.length <= 1024)).toBe(true);
    // Past 25 fields the rest go on in the next embed rather than disappear.
    expect(message.embeds[1].fields).toHaveLength(5);
    expect(message.embeds[2].description).toBe("after the fields");
    expect(rows.map((r) => r.components.length)).toEqual([5, 3]);
    const ids = rows.flatMap((r) => r.components.map((c) => c.custom_id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(decodeCustomId(ids[6])?.invocation).toEqual({ command: "cancel", args: { order: "CD-0" } });
    expect(ids[7]).toBe("ck:confirm:order=CD-9");
    expect(rows[1].components[1].style).toBe(ButtonStyle.Danger);
  });

  it("a short text reply is plain content, as Discord users expect", async () => {
    const message = await renderMessage({ blocks: [{ type: "text", text: "Order CD-1 cancelled." }, { type: "context", text: "small print" }] });
    expect(message).toMatchObject({ content: "Order CD-1 cancelled.\n-# small print", embeds: [], components: [], files: [] });
  });
});
