import { MessageFlags } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatUsd } from "../../src/ledger/money.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { parseUsageBatch } from "../../src/usage/usageRecord.ts";
import { CHART_HEIGHT, CHART_WIDTH } from "../../src/views/usageChart.ts";
import { pngSize } from "../views/png.ts";
import { IDS, interact, newUser, startHarness, textOf, type Harness } from "./helpers.ts";

/**
 * `/credits usage` through the real discord.js client against the REST and gateway stand-ins: the
 * interaction's own (ephemeral) reply carries the chart as an attachment, sent multipart as
 * discord.js sends files, and shown in the embed through `attachment://`.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("Discord: usage with its chart", () => {
  it("replies privately with the numbers and the PNG attached", async () => {
    const customer = newUser("Uma Usage");
    const who = { user: customer, roles: [IDS.memberRole] };
    await interact(h.standIn, h.standIn.slashCommand(who, "balance"));
    const identity = await h.services.prisma.chatIdentity.findUniqueOrThrow({ where: { platform_workspaceId_userId: { platform: "discord", workspaceId: "discord", userId: customer.id } } });
    const parsed = parseUsageBatch({
      records: [250_000n, 750_000n].map((cost, i) => ({
        id: `discord-usage-${customer.id}-${i}`,
        accountId: identity.accountId,
        model: "gpt-4o",
        endpoint: "/v1/chat/completions",
        cost: cost.toString(),
        time: new Date(Date.now() - 60_000).toISOString(),
        tokenGroup: "vip",
      })),
    });
    await ingestUsage(h.services.prisma, parsed.valid, { driver: h.services.db.driver });

    const answer = await interact(h.standIn, h.standIn.slashCommand(who, "usage", [{ name: "days", value: "14" }]));
    const message = answer.message!;
    expect(message.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(textOf(message)).toContain(formatUsd(1_000_000n));
    expect(textOf(message)).toContain("vip");

    // The call that answered the interaction (its callback, or the edit of a deferred reply) was multipart, with the PNG.
    const carrying = h.standIn.calls.filter((c) => c.files.length > 0 && (c.path.startsWith(`/interactions/${answer.record.payload.id}/`) || c.path.includes(`/${answer.record.payload.token}/`)));
    expect(carrying).toHaveLength(1);
    const [file] = carrying[0].files;
    expect(file.name).toMatch(/^usage-\d{4}-\d{2}-\d{2}-14d\.png$/);
    expect(file.type).toBe("image/png");
    expect(pngSize(file.bytes)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });

    // On the message: one attachment, the same bytes, shown in an embed.
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({ filename: file.name, content_type: "image/png", size: file.bytes.length });
    const served = new Uint8Array(await (await fetch(message.attachments[0].url)).arrayBuffer());
    expect(Buffer.from(served).equals(Buffer.from(file.bytes))).toBe(true);
    expect(message.embeds.some((e) => e.image?.url === `attachment://${file.name}`)).toBe(true);
  });

  it("a bad number of days is refused privately, with nothing attached", async () => {
    const customer = newUser("Bad Days");
    for (const days of ["0", "400", "abc"]) {
      const answer = await interact(h.standIn, h.standIn.slashCommand({ user: customer, roles: [IDS.memberRole] }, "usage", [{ name: "days", value: days }]));
      expect(textOf(answer.message)).toContain("The number of days must be a whole number from 1 to 90");
      expect(answer.message!.attachments).toEqual([]);
    }
    expect(await h.services.prisma.chatIdentity.count({ where: { userId: customer.id } })).toBe(0);
  });
});
