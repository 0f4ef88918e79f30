import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { scriptLines } from "../../src/platforms/console/index.ts";
import { ConsoleSession } from "../../src/platforms/console/session.ts";
import type { Services } from "../../src/services.ts";
import { ingestUsage } from "../../src/usage/ingestUsage.ts";
import { parseUsageBatch } from "../../src/usage/usageRecord.ts";
import { CHART_HEIGHT, CHART_WIDTH } from "../../src/views/usageChart.ts";
import { createTestServices } from "../helpers/services.ts";
import { pngSize } from "../views/png.ts";

/** The console playground: `usage` prints the numbers, writes the chart to a file and prints its path. */
let services: Services;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.db.close();
});

async function runConsole(lines: string[], fileDir: string): Promise<string> {
  const out: string[] = [];
  await new ConsoleSession(services, registry, scriptLines(lines), (text) => out.push(text), { echo: true, customer: "uli", support: "sam", fileDir }).run();
  return out.join("\n");
}

describe("console: usage", () => {
  it("writes the chart as a PNG file and prints where", async () => {
    const fileDir = mkdtempSync(path.join(tmpdir(), "credit-desk-charts-"));
    await runConsole(["balance"], fileDir);
    const identity = await services.prisma.chatIdentity.findUniqueOrThrow({ where: { platform_workspaceId_userId: { platform: "console", workspaceId: "local", userId: "uli" } } });
    const parsed = parseUsageBatch({
      records: [{ id: "console-usage-1", accountId: identity.accountId, model: "gpt-4o", endpoint: "/v1/chat/completions", cost: "420000", time: new Date(Date.now() - 60_000).toISOString() }],
    });
    await ingestUsage(services.prisma, parsed.valid, { driver: services.db.driver });

    const output = await runConsole(["usage 10", "usage 0"], fileDir);
    expect(output).toContain("== Your usage, last 10 days ==");
    expect(output).toContain("gpt-4o: $0.42 · 1 request");
    const shown = /📎 Usage chart, last 10 days: (.+\.png)$/m.exec(output);
    expect(shown, output).not.toBeNull();
    expect(path.dirname(shown![1])).toBe(fileDir);
    expect(pngSize(readFileSync(shown![1]))).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(output).toContain("The number of days must be a whole number from 1 to 90, for example: usage 30.");
  });
});
