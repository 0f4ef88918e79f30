import { ComponentType, MessageFlags } from "discord.js";
import { describe, expect, it } from "vitest";
import { bold, code, timeToken } from "../../src/core/markup.ts";
import { decodeCustomId } from "../../src/platforms/discord/customId.ts";
import { discordMarkdown, discordPlain } from "../../src/platforms/discord/markdown.ts";
import { componentCount, interactionBody, LIMITS, renderMessage, renderMessages, restBody, textLength } from "../../src/platforms/discord/render.ts";
import { translator } from "../../src/i18n.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import type { Block, Reply } from "../../src/reply.ts";
import { QUEUE_PAGE_SIZE, queuePages, queueView } from "../../src/views/queueView.ts";
import { TEST_METHODS_JSON } from "../helpers/services.ts";

/** A queue as a view builds it: a header with the true count, then each order's line and its own row of buttons. */
function queueReply(count: number, shown = count): Reply {
  const blocks: Block[] = [{ type: "header", text: `Waiting for a decision: ${shown} of ${count} shown` }];
  for (let i = 1; i <= shown; i++) {
    const order = `CD-${String(i).padStart(6, "0")}`;
    blocks.push(
      { type: "text", text: `${bold(order)} — USDT on TRON (TRC20) — $${i}.00 — submitted ${timeToken(new Date(Date.UTC(2026, 10, 29, 10, i)), "relative")} — account ${code(`acc-${i}`)}` },
      {
        type: "buttons",
        buttons: [
          { label: `Confirm ${order}`, style: "primary", command: "confirm", args: { order }, confirm: { title: "Confirm", text: `Credit order ${order}?`, confirm: "Confirm", deny: "Back" } },
          { label: `Reject ${order}`, style: "danger", command: "reject", args: { order } },
        ],
      },
    );
  }
  return { blocks, private: true, summary: `Waiting for a decision: ${shown} of ${count} shown` };
}

type AnyComponent = { type: number; content?: string; components?: AnyComponent[]; label?: string; custom_id?: string };

describe("Discord queue: one section per order, each with its own labelled row of buttons", () => {
  it("a queue of 30 gives 30 rows of buttons labelled with their order, each right under its order's line, across messages within Discord's limits", async () => {
    const messages = await renderMessages(queueReply(30));
    expect(messages.length).toBeGreaterThan(1);

    const rows: { order: string; labels: string[]; customIds: string[]; textAbove: string }[] = [];
    for (const message of messages) {
      // Components V2: no content, no embeds, and within its 40 components and 4,000 characters.
      expect(message.componentsV2).toBe(true);
      expect(message.content).toBe("");
      expect(message.embeds).toEqual([]);
      expect(componentCount(message.components)).toBeLessThanOrEqual(LIMITS.v2Components);
      expect(textLength(message.components)).toBeLessThanOrEqual(LIMITS.v2Text);
      const top = message.components as AnyComponent[];
      const ids = top.flatMap((c) => (c.components ?? []).map((b) => b.custom_id));
      expect(new Set(ids).size).toBe(ids.length);
      top.forEach((component, index) => {
        if (component.type !== ComponentType.ActionRow) return;
        const above = top[index - 1];
        expect(above?.type).toBe(ComponentType.TextDisplay);
        const buttons = component.components!;
        rows.push({
          order: /CD-\d{6}/.exec(above.content!)![0],
          labels: buttons.map((b) => b.label!),
          customIds: buttons.map((b) => b.custom_id!),
          // The line right above the row (the first section also carries the header).
          textAbove: above.content!.split("\n").at(-1)!,
        });
      });
    }

    expect(rows).toHaveLength(30);
    expect(rows.map((r) => r.order)).toEqual(Array.from({ length: 30 }, (_, i) => `CD-${String(i + 1).padStart(6, "0")}`));
    for (const row of rows) {
      // Each button says which order it decides, and decides exactly that one.
      expect(row.labels).toEqual([`Confirm ${row.order}`, `Reject ${row.order}`]);
      expect(row.customIds.map((id) => decodeCustomId(id)?.invocation)).toEqual([
        { command: "confirm", args: { order: row.order } },
        { command: "reject", args: { order: row.order } },
      ]);
      // Confirm asks first (ck); the order's line is Discord markdown, with its time local to each reader.
      expect(decodeCustomId(row.customIds[0])?.kind).toBe("ck");
      expect(row.textAbove).toMatch(new RegExp(`^\\*\\*${row.order}\\*\\* — `));
      expect(row.textAbove).toMatch(/<t:\d+:R>/);
    }

    // The header, with the true count, opens the first message; later messages say which part they are.
    const first = messages[0].components[0] as AnyComponent;
    expect(first.type).toBe(ComponentType.TextDisplay);
    expect(first.content!.split("\n")[0]).toBe("### Waiting for a decision: 30 of 30 shown");
    messages.slice(1).forEach((message, index) => {
      expect(message.components[0]).toEqual({ type: ComponentType.TextDisplay, content: `-# (${index + 2}/${messages.length})` });
    });
  });

  it("the real queue view, 30 waiting in pages of 10, in Chinese too: 30 rows of buttons labelled with their order across the pages, the true count on each page", async () => {
    const methods = parseMethods(TEST_METHODS_JSON);
    const waiting = Array.from({ length: 30 }, (_, i) => ({
      orderNo: `CD-${String(i + 1).padStart(6, "0")}`, methodId: "trc20", requestedAmount: BigInt(i + 10) * 1_000_000n,
      submittedAt: new Date(Date.UTC(2026, 10, 29, 9, i)), createdAt: new Date(Date.UTC(2026, 10, 29, 8, i)), accountId: `acc-${i}`,
    }));
    for (const locale of ["en", "zh-CN"] as const) {
      const t = translator(locale);
      const rows: { order: string; labels: string[] }[] = [];
      for (let page = 1; page <= queuePages(waiting.length); page++) {
        const orders = waiting.slice((page - 1) * QUEUE_PAGE_SIZE, page * QUEUE_PAGE_SIZE);
        const messages = await renderMessages(queueView({ orders, total: waiting.length, page }, { methods, locale }, t));
        const text = messages.flatMap((m) => (m.components as AnyComponent[]).filter((c) => c.type === ComponentType.TextDisplay).map((c) => c.content!)).join("\n");
        expect(text).toContain(discordMarkdown(t("support.queue.shown", { shown: orders.length, count: 30, page, pages: 3 })));
        for (const message of messages) {
          expect(componentCount(message.components)).toBeLessThanOrEqual(LIMITS.v2Components);
          const top = message.components as AnyComponent[];
          top.forEach((c, index) => {
            if (c.type !== ComponentType.ActionRow) return;
            const decided = c.components!.map((b) => decodeCustomId(b.custom_id!)!.invocation);
            if (decided.every((inv) => inv.command === "queue")) return; // the pager
            const order = decided[0].args.order;
            expect(decided).toEqual([{ command: "confirm", args: { order } }, { command: "reject", args: { order } }]);
            expect(top[index - 1].content!.split("\n").at(-1)).toContain(`**${order}**`);
            rows.push({ order, labels: c.components!.map((b) => b.label!) });
          });
        }
      }
      expect(rows.map((r) => r.order)).toEqual(waiting.map((o) => o.orderNo));
      for (const row of rows) expect(row.labels).toEqual([t("support.queue.confirm", { order: row.order }), t("support.queue.reject", { order: row.order })].map(discordPlain));
      for (const row of rows) expect(row.labels.every((label) => label.includes(row.order))).toBe(true);
    }
  });

  it("sends each part with IS_COMPONENTS_V2 and no mentions allowed, as an interaction answer and as a REST message", async () => {
    const [first] = await renderMessages(queueReply(3));
    const body = interactionBody(first, MessageFlags.Ephemeral);
    expect(body.flags).toBe(MessageFlags.IsComponentsV2 | MessageFlags.Ephemeral);
    expect(body.allowedMentions).toEqual({ parse: [], repliedUser: false });
    expect("content" in body).toBe(false);
    const rest = restBody(first);
    expect(rest.body).toMatchObject({ flags: MessageFlags.IsComponentsV2, allowed_mentions: { parse: [] } });
    expect(rest.body.content).toBeUndefined();
  });

  it("a reply whose buttons all come after its text stays one classic message, with no mentions allowed either", async () => {
    const reply: Reply = { blocks: [{ type: "text", text: `Order ${bold("CD-000001")} created.` }, { type: "buttons", buttons: [{ label: "Cancel CD-000001", command: "cancel", args: { order: "CD-000001" } }] }] };
    const messages = await renderMessages(reply);
    expect(messages).toHaveLength(1);
    expect(messages[0].componentsV2).toBeFalsy();
    expect(messages[0].content).toBe("Order **CD-000001** created.");
    expect(interactionBody(messages[0]).allowedMentions).toEqual({ parse: [], repliedUser: false });
    expect(restBody(messages[0], { edit: true }).body.allowed_mentions).toEqual({ parse: [] });
  });
});

describe("Discord markdown from reply markup", () => {
  const at = new Date(Date.UTC(2026, 10, 29, 16, 23, 0));
  const unix = Math.floor(at.getTime() / 1000);

  it("draws bold as **…**, code as `…`, and times as Discord timestamps each reader sees in their own zone", () => {
    expect(discordMarkdown(`Order ${bold("CD-000012")}: type ${code("proof CD-000012")}`)).toBe("Order **CD-000012**: type `proof CD-000012`");
    expect(discordMarkdown(`Pay before ${timeToken(at)} (${timeToken(at, "relative")})`)).toBe(`Pay before <t:${unix}:f> (<t:${unix}:R>)`);
    expect(discordMarkdown(`On ${timeToken(at, "date")}`)).toBe(`On <t:${unix}:D>`);
  });

  it("never uses Slack's syntax: a single star or underscore in text is literal, not emphasis", () => {
    const drawn = discordMarkdown(`${bold("CD-0001")} *not italic* _nor this_`);
    expect(drawn).toBe("**CD-0001** \\*not italic\\* \\_nor this\\_");
    expect(drawn).not.toMatch(/(^|[^*\\])\*CD-0001\*/);
  });

  it("what a customer typed reads as typed: no formatting, no mention, no masked link, no heading", () => {
    expect(discordMarkdown("<@123456789012345678> @everyone @here <#1> [click](https://evil.example) ~~x~~ ||spoiler||")).toBe(
      "\\<@123456789012345678\\> @\u200beveryone @\u200bhere \\<#1\\> \\[click\\](https://evil.example) \\~\\~x\\~\\~ \\|\\|spoiler\\|\\|",
    );
    expect(discordMarkdown("# Heading\n> quote\n-# small\n1. list")).toBe("\\# Heading\n\\> quote\n\\-# small\n1\\. list");
    // A number and a dot without a space after them is no list: an exchange rate reads as written.
    expect(discordMarkdown("7.21 CNY = 1 USD\n10. ten")).toBe("7.21 CNY = 1 USD\n10\\. ten");
    // A URL stays clickable: nothing inside it is escaped.
    expect(discordMarkdown("see https://tronscan.org/#/transaction/ab_cd")).toBe("see https://tronscan.org/#/transaction/ab_cd");
  });

  it("plain places (button labels, choices, modal titles) get the words without markup and times in UTC", () => {
    expect(discordPlain(`Confirm ${bold("CD-000012")} ${timeToken(at)}`)).toBe("Confirm CD-000012 2026-11-29 16:23 UTC");
  });

  it("renders a classic embed's fields, title and description as Discord markdown, not Slack's", async () => {
    const message = await renderMessage({
      blocks: [
        { type: "header", text: `Order ${bold("CD-000001")}` },
        { type: "fields", fields: [{ label: "Pay before", value: timeToken(at) }, { label: "Hash", value: code("0xabc") }] },
        { type: "context", text: `Expires ${timeToken(at, "relative")}` },
      ],
    });
    expect(message.embeds[0].title).toBe("Order **CD-000001**");
    expect(message.embeds[0].fields).toEqual([
      { name: "Pay before", value: `<t:${unix}:f>`, inline: true },
      { name: "Hash", value: "`0xabc`", inline: true },
    ]);
    // A footer cannot show a timestamp, so a context with one is subtext in the description.
    expect(message.embeds[0].description).toBe(`-# Expires <t:${unix}:R>`);
    expect(message.embeds[0].footer).toBeUndefined();
  });
});
