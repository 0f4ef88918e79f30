import { describe, expect, it } from "vitest";
import { timeToken } from "../../src/core/markup.ts";
import { escapeMrkdwn, modalErrors, renderBlocks, renderFormModal, renderMessage, type SlackBlock } from "../../src/platforms/slack/blockKit.ts";
import { decodeButtonValue, decodeFormContext } from "../../src/platforms/slack/invocations.ts";
import type { Block, Reply } from "../../src/reply.ts";

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

describe("reply markup drawn in Slack's own mrkdwn", () => {
  const deadline = new Date("2026-11-29T16:23:00Z");
  const created = new Date("2026-11-29T12:00:00Z");
  const at = (d: Date) => Math.floor(d.getTime() / 1000);
  const render = (blocks: Block[]) => renderBlocks(blocks, {});
  /** Every mrkdwn text object of rendered blocks. */
  const mrkdwnObjects = (blocks: SlackBlock[]) => {
    const found: SlackBlock[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== "object") return;
      if ((node as SlackBlock).type === "mrkdwn") found.push(node as SlackBlock);
      Object.values(node).forEach(walk);
    };
    walk(blocks);
    return found;
  };

  it("draws time tokens as <!date^…> in the reader's zone, with the UTC text as the fallback", () => {
    const [text, fields, context] = render([
      { type: "text", text: `Pay before ${timeToken(deadline)}` },
      { type: "fields", fields: [{ label: "Created", value: timeToken(created, "date") }] },
      { type: "context", text: `Expires ${timeToken(deadline, "relative")}; asked ${timeToken(created, "relative")}` },
    ]);
    expect(text.text.text).toBe(`Pay before <!date^${at(deadline)}^{date_short_pretty} {time}|2026-11-29 16:23 UTC>`);
    expect(fields.fields[0].text).toBe(`*Created*\n<!date^${at(created)}^{date_short_pretty}|2026-11-29 UTC>`);
    // {ago} is counted when the message is read: "in 57 minutes" before the deadline, "3 hours ago" after.
    expect(context.elements[0].text).toBe(
      `Expires <!date^${at(deadline)}^{ago}|2026-11-29 16:23 UTC>; asked <!date^${at(created)}^{ago}|2026-11-29 12:00 UTC>`,
    );
  });

  it("sets **bold** in single asterisks and keeps `code`, with zero-width spaces where Chinese text touches the markers", () => {
    const [en, zh] = render([
      { type: "text", text: "Order **CD-000001** is waiting: type `/credits proof CD-000001`." },
      { type: "text", text: "订单**CD-000001**已确认。" },
    ]);
    expect(en.text.text).toBe("Order *CD-000001* is waiting: type `/credits proof CD-000001`.");
    expect(en.text.text).not.toContain("**");
    expect(zh.text.text).toBe("订单\u200b*CD-000001*\u200b已确认。");
  });

  it("keeps what a customer typed literal: no bold, strike, italics, code, mention, channel ping or link", () => {
    const note = "*urgent* ~late~ _really_ a`b <@U0CAROL01> <!here> <https://evil.example|bank> https://evil.example & co, snake_case stays";
    const blocks = render([
      { type: "text", text: `Note: ${note}` },
      { type: "fields", fields: [{ label: "Reason", value: note }] },
      { type: "context", text: note },
    ]);
    const objects = mrkdwnObjects(blocks);
    expect(objects).toHaveLength(3);
    for (const o of objects) {
      // Slack auto-links nothing and parses no typed @here or #channel in verbatim text.
      expect(o.verbatim).toBe(true);
      const body = o.text.replace(/^\*Reason\*\n/, "");
      expect(body).not.toMatch(/[*~`]/);
      expect(body).not.toMatch(/[<>]/);
      expect(body).toContain("&lt;@U0CAROL01&gt; &lt;!here&gt; &lt;https://evil.example|bank&gt;");
      expect(body).toContain("∗urgent∗ ∼late∼ ˍreallyˍ aˋb");
      expect(body).toContain("&amp; co, snake_case stays");
    }
  });

  it("writes plain_text places without markup and with UTC times: header, buttons, dialogs, modal, options, notification text", () => {
    const marked = `**Due** ${timeToken(deadline)} \`CD-1\``;
    const plainWanted = "Due 2026-11-29 16:23 UTC CD-1";
    const reply: Reply = {
      blocks: [{ type: "header", text: marked }, { type: "buttons", buttons: [{ label: marked, command: "confirm", args: {}, confirm: { title: marked, text: marked, confirm: "Yes", deny: "No" } }] }],
      summary: `${marked} <@U1>`,
    };
    const message = renderMessage(reply);
    expect(message.blocks[0].text).toEqual({ type: "plain_text", text: plainWanted, emoji: true });
    expect(message.blocks[1].elements[0].text.text).toBe(plainWanted);
    expect(message.blocks[1].elements[0].confirm.title.text).toBe(plainWanted);
    expect(message.blocks[1].elements[0].confirm.text.text).toBe(plainWanted);
    expect(message.text).toBe(`${plainWanted} &lt;@U1&gt;`);

    const modal = renderFormModal(
      { blocks: [] },
      { command: "reject", args: {}, title: "**Reject**", submitLabel: "**Send**", fields: [{ kind: "select", name: "reason", label: marked, required: true, hint: marked, options: [{ value: "a", label: marked, description: marked }] }] },
      {},
      "Close",
    );
    expect(modal.title.text).toBe("Reject");
    expect(modal.submit.text).toBe("Send");
    const [input] = modal.blocks;
    expect(input.label.text).toBe(plainWanted);
    expect(input.hint.text).toBe(plainWanted);
    expect(input.element.options[0].text.text).toBe(plainWanted);
    expect(input.element.options[0].description.text).toBe([...plainWanted].slice(0, 75).join(""));
    expect(JSON.stringify(modal)).not.toContain("<!date");
  });

  it("cuts long marked-up text within Slack's limits, never inside a date token, an entity or a bold run", () => {
    const long = Array.from({ length: 200 }, (_, i) => `**CD-${i}** & <note> ${timeToken(deadline)}`).join(" ");
    const [section, fields] = render([{ type: "text", text: long }, { type: "fields", fields: [{ label: "L", value: long }] }]);
    for (const text of [section.text.text as string, fields.fields[0].text as string]) {
      expect([...text].length).toBeLessThanOrEqual(text === section.text.text ? 3000 : 2000);
      expect(text.endsWith("…")).toBe(true);
      // Every date token is whole, every entity is whole, and bold markers pair up.
      expect(text.match(/<!date\^/g)?.length).toBe(text.match(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|2026-11-29 16:23 UTC>/g)?.length);
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
      expect((text.replace(/^\*L\*\n/, "").match(/\*/g)?.length ?? 0) % 2).toBe(0);
    }
  });
});
