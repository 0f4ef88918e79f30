import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatUsd } from "../../src/ledger/money.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { parseUsageBatch } from "../../src/usage/usageRecord.ts";
import { CHART_HEIGHT, CHART_WIDTH } from "../../src/views/usageChart.ts";
import { textOf } from "../standins/slack.ts";
import { pngSize } from "../views/png.ts";
import { answerAt, customer, slash, startSlackHarness, type SlackHarness } from "./harness.ts";

/**
 * `/credits usage` through Slack's real Bolt receiver, signed as Slack signs it, against the Web
 * API stand-in: the numbers come back privately on the response_url, and the chart goes to the
 * user's direct messages with the app through Slack's v2 upload (files.getUploadURLExternal, the
 * POST of the bytes to the URL it gave, files.completeUploadExternal with the DM's channel).
 */
let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => {
  await h?.close();
});

async function accountOf(userId: string): Promise<string> {
  const identity = await h.services.prisma.chatIdentity.findUniqueOrThrow({ where: { platform_workspaceId_userId: { platform: "slack", workspaceId: h.standIn.teamId, userId } } });
  return identity.accountId;
}

async function spend(accountId: string, costs: bigint[]): Promise<void> {
  const parsed = parseUsageBatch({
    records: costs.map((cost, i) => ({
      id: `slack-usage-${accountId}-${i}`,
      accountId,
      model: i % 2 ? "gpt-4o" : "claude-3.5",
      endpoint: "/v1/chat/completions",
      cost: cost.toString(),
      time: new Date(Date.now() - i * 86_400_000 - 60_000).toISOString(),
      token: "prod-key",
      tokenGroup: "0.3",
    })),
  });
  await ingestUsage(h.services.prisma, parsed.valid, { driver: h.services.db.driver });
}

describe("Slack: usage with its chart", () => {
  it("answers privately with the numbers, and uploads the PNG to the user's DM", async () => {
    await answerAt(h, (await slash(h, customer, "balance")).responseUrl);
    const accountId = await accountOf(customer.id);
    await spend(accountId, [120_000n, 340_000n, 560_000n]);

    const { response, responseUrl } = await slash(h, customer, "usage 7");
    expect(response.status).toBe(200);
    const answer = await answerAt(h, responseUrl);
    expect(answer.response_type).toBe("ephemeral");
    const text = textOf(answer.blocks as never);
    expect(text).toContain(formatUsd(1_020_000n));
    expect(text).toContain("prod-key");
    expect(text).toContain("sent to your direct messages with this app");

    // 1. A URL and a file id, for the right name and size.
    const [urlCall] = h.standIn.okCallsOf("files.getUploadURLExternal");
    expect(urlCall.token).toBe(h.standIn.botToken);
    const upload = h.standIn.uploads.get(urlCall.response.file_id as string)!;
    expect(upload.filename).toMatch(/^usage-\d{4}-\d{2}-\d{2}-7d\.png$/);
    expect(upload.altTxt).toContain("last 7 days");
    // 2. The bytes, POSTed to that URL: a PNG of the chart's size, as long as announced.
    expect(h.standIn.uploadPosts).toEqual([expect.objectContaining({ fileId: upload.fileId, status: 200 })]);
    expect(upload.bytes!.length).toBe(Number(urlCall.args.length));
    expect(pngSize(upload.bytes!)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(upload.authorized).toBe(false);
    // 3. Shared in the DM the app opened with this user, and nowhere else.
    const dm = h.standIn.dmChannelOf(customer.id);
    expect(dm).toMatch(/^D/);
    const [complete] = h.standIn.okCallsOf("files.completeUploadExternal");
    expect(complete.args.channel_id).toBe(dm);
    expect(complete.args.files).toEqual([{ id: upload.fileId, title: "Usage chart, last 7 days" }]);
    expect(h.standIn.sharedFiles).toEqual([expect.objectContaining({ fileId: upload.fileId, channel: dm, mimetype: "image/png" })]);
    expect(h.standIn.sharedFiles[0].initialComment).toContain(formatUsd(1_020_000n));
    // The upload came before the answer that says it was sent.
    const answeredAt = h.standIn.responsesTo(responseUrl)[0].at;
    expect(complete.at).toBeLessThanOrEqual(answeredAt);
  });

  it("a failed upload costs the picture, not the answer", async () => {
    const shared = h.standIn.sharedFiles.length;
    h.standIn.failNext("files.completeUploadExternal", 1, "internal_error");
    const { responseUrl } = await slash(h, customer, "usage");
    const answer = await answerAt(h, responseUrl);
    const text = textOf(answer.blocks as never);
    expect(text).toContain("Your usage, last 30 days");
    expect(text).toContain("The chart could not be sent this time");
    expect(h.standIn.sharedFiles.length).toBe(shared);
  });

  it("a bad number of days is answered privately, and nothing is uploaded", async () => {
    const urls = h.standIn.callsOf("files.getUploadURLExternal").length;
    for (const days of ["0", "-1", "400", "week"]) {
      const { responseUrl } = await slash(h, customer, `usage ${days}`);
      const answer = await answerAt(h, responseUrl);
      expect(textOf(answer.blocks as never)).toContain("The number of days must be a whole number from 1 to 90");
    }
    expect(h.standIn.callsOf("files.getUploadURLExternal").length).toBe(urls);
  });
});
