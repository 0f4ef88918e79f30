import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { translate } from "../../src/i18n.ts";
import { createSlackApp, type SlackSurface } from "../../src/platforms/slack/index.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";
import { slashCommandPayload, startSlackStandIn, stateFor, textOf, viewSubmissionPayload, type SlackStandIn, type SlackView } from "../standins/slack.ts";

let standIn: SlackStandIn;
let services: Services;
let surface: SlackSurface;
const user = { id: "U0SOCKET01", name: "sol" };

beforeAll(async () => {
  standIn = await startSlackStandIn();
  services = await createTestServices({
    env: {
      SLACK_BOT_TOKEN: standIn.botToken,
      SLACK_APP_TOKEN: standIn.appToken,
      SLACK_SUPPORT_CHANNEL: "C0SUPPORT01",
      SLACK_SUPPORT_USERS: "U0SUPPORT01",
      SLACK_API_URL: standIn.apiUrl,
    },
  });
  surface = createSlackApp(services, registry);
  await surface.start();
  await standIn.socketConnected();
});
afterAll(async () => {
  await surface?.stop();
  await standIn?.close();
  await services?.db.close();
});

describe("Socket Mode (SLACK_APP_TOKEN set)", () => {
  it("opens its connection with the app token through SLACK_API_URL", () => {
    const opens = standIn.callsOf("apps.connections.open");
    expect(opens.length).toBeGreaterThan(0);
    expect(opens.every((c) => c.token === standIn.appToken && c.response.ok === true)).toBe(true);
  });

  it("acknowledges a slash command envelope and answers through the response_url", async () => {
    const responseUrl = standIn.newResponseUrl();
    const ack = await standIn.sendEnvelope(
      "slash_commands",
      slashCommandPayload({ teamId: standIn.teamId, user, command: "/credits", text: "balance", responseUrl, triggerId: standIn.issueTrigger() }),
    );
    expect(typeof ack.envelope_id).toBe("string");
    const answer = await standIn.waitFor(() => standIn.responsesTo(responseUrl)[0]?.body, 8000, "the balance answer");
    expect(answer.response_type).toBe("ephemeral");
    expect(textOf(answer.blocks as never)).toContain(translate("en", "balance.current"));
  });

  it("returns modal validation errors in the envelope acknowledgement", async () => {
    const opened = standIn.callsOf("views.open").length;
    await standIn.sendEnvelope(
      "slash_commands",
      slashCommandPayload({ teamId: standIn.teamId, user, command: "/credits", text: "topup", responseUrl: standIn.newResponseUrl(), triggerId: standIn.issueTrigger() }),
    );
    const call = await standIn.waitFor(() => standIn.callsOf("views.open").slice(opened).find((c) => c.response.ok === true), 8000, "the topup form");
    const view = call.args.view as SlackView;
    const submission = viewSubmissionPayload({
      teamId: standIn.teamId,
      user,
      viewId: (call.response.view as { id: string }).id,
      view,
      values: stateFor(view, { method: "trc20", amount: "abc" }),
      triggerId: standIn.issueTrigger(),
    });
    const ack = await standIn.sendEnvelope("interactive", submission);
    expect(ack.payload).toEqual({ response_action: "errors", errors: { f_amount: translate("en", "errors.amount_format", { value: "abc" }) } });
    expect(await services.prisma.topupOrder.count()).toBe(0);
  });
});
