import { describe, expect, it } from "vitest";
import { escapeMrkdwn, modalErrors, renderBlocks, renderFormModal, renderMessage } from "../../src/platforms/slack/blockKit.ts";
import { decodeButtonValue, decodeFormContext } from "../../src/platforms/slack/invocations.ts";
import type { Reply } from "../../src/reply.ts";

describe("the Block Kit renderer keeps within Slack's limits", () => {
  it("escapes &, < and > in text so that user input cannot mention or link", () => {
    const [section] = renderBlocks([{ type: "text", text: "note: <!here> <https://evil.example|bank> & co" }]);
    expect(section.text.text).toBe("note: &lt;!here&gt; &lt;https://evil.example|bank&gt; &amp; co");
    expect(escapeMrkdwn("a<b>c&d")).toBe("a&lt;b&gt;c&amp;d");
  });

  it("cuts long texts and splits more than 10 fields into several sections", () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({ label: `L${i}`, value: `v${i}` }));
    const blocks = renderBlocks([
      { type: "header", text: "h".repeat(400) },
      { type: "text", text: "x".repeat(5000) },
      { type: "fields", fields },
    ]);
    expect([...blocks[0].text.text].length).toBe(150);
    expect([...blocks[1].text.text].length).toBe(3000);
    expect(blocks.slice(2).map((b) => b.fields.length)).toEqual([10, 10, 3]);
  });

  it("renders buttons with their invocation, style and confirmation dialog, and no more than 50 blocks in a message", () => {
    const reply: Reply = {
      blocks: [
        ...Array.from({ length: 60 }, (_, i) => ({ type: "text" as const, text: `line ${i}` })),
      ],
      summary: "sixty lines",
    };
    const message = renderMessage(reply);
    expect(message.blocks).toHaveLength(50);
    expect(message.text).toBe("sixty lines");

    const [actions] = renderBlocks([
      {
        type: "buttons",
        buttons: [
          { label: "Confirm", style: "primary", command: "confirm", args: { order: "CD-1" }, confirm: { title: "Sure?", text: "Credit CD-1", confirm: "Yes", deny: "No" } },
          { label: "Later", style: "default", command: "queue", args: {} },
        ],
      },
    ]);
    expect(actions.type).toBe("actions");
    const [confirm, later] = actions.elements;
    expect(confirm).toMatchObject({ type: "button", style: "primary", confirm: { title: { text: "Sure?" }, confirm: { text: "Yes" }, deny: { text: "No" } } });
    expect(decodeButtonValue(confirm.value)).toEqual({ command: "confirm", args: { order: "CD-1" } });
    expect(later.style).toBeUndefined();
    expect(confirm.action_id).not.toBe(later.action_id);
    expect(renderBlocks([{ type: "buttons", buttons: [{ label: "x", command: "queue", args: {} }] }], { withButtons: false })).toEqual([]);
  });

  it("turns a form into a modal whose block ids name the fields, and maps errors back onto them", () => {
    const reply: Reply = {
      blocks: [{ type: "text", text: "Pay, then send proof" }],
      form: {
        command: "proof",
        args: { order: "CD-7" },
        title: "Send the proof of payment now",
        submitLabel: "Send",
        fields: [
          { kind: "text", name: "txHash", label: "Hash", required: true },
          { kind: "file", name: "screenshot", label: "Screenshot", required: true },
          { kind: "select", name: "reason", label: "Reason", required: false, options: [{ value: "a", label: "A" }], initial: "a" },
        ],
      },
    };
    const modal = renderFormModal(reply, reply.form!, { responseUrl: "https://hooks.slack.com/commands/T/1/x", channelId: "C1" }, "Close");
    expect([...modal.title.text].length).toBeLessThanOrEqual(24);
    const inputs = modal.blocks.filter((b: { type: string }) => b.type === "input");
    expect(inputs.map((b: { block_id: string }) => b.block_id)).toEqual(["f_txHash", "f_screenshot", "f_reason"]);
    expect(inputs[1].element).toEqual({ type: "file_input", action_id: "screenshot", filetypes: ["png", "jpg", "jpeg", "webp", "gif"], max_files: 1 });
    expect(inputs[2]).toMatchObject({ optional: true, element: { initial_option: { value: "a" } } });
    expect(decodeFormContext(modal.private_metadata)).toEqual({
      invocation: { command: "proof", args: { order: "CD-7" } },
      responseUrl: "https://hooks.slack.com/commands/T/1/x",
      channelId: "C1",
    });

    const ids = inputs.map((b: { block_id: string }) => b.block_id);
    expect(modalErrors({ blocks: [], error: true, fieldErrors: { txHash: "bad hash" } }, ids)).toEqual({ f_txHash: "bad hash" });
    // An error about something the form does not show has no field to sit on.
    expect(modalErrors({ blocks: [], error: true, fieldErrors: { order: "expired" } }, ids)).toBeNull();
  });
});
