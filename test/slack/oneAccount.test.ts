import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { PNG_BYTES } from "../helpers/services.ts";
import {
  blockActionsPayload,
  eventCallbackBody,
  interactionBody,
  postSigned,
  slashCommandBody,
  stateFor,
  viewSubmissionPayload,
  type OrgContext,
  type SlackUser,
} from "../standins/slack.ts";
import { answerAt, button, openedView, SIGNING_SECRET, startSlackHarness, txHash, type SlackHarness } from "./harness.ts";

/**
 * One person in an Enterprise organization reaches the bot from two workspaces of the
 * organization, through a slash command, a button click, a modal submission and the App Home,
 * each payload naming the workspace (or none) as Slack does for its kind. They are one identity,
 * hence one account: the order made by the command is the one the click and the form act on.
 */
let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => {
  await h?.close();
});

const ORG = { id: "E0GRID00001", name: "Globular Construct Inc" };
const WS1 = "T0GRIDWS001";
const WS2 = "T0GRIDWS002";
const sign = { signingSecret: SIGNING_SECRET };

async function identitiesOf(userId: string) {
  return h.services.prisma.chatIdentity.findMany({ where: { platform: "slack", userId } });
}

describe("one Slack user, one account, whatever kind of request", () => {
  it("a member of an Enterprise organization: command in one workspace, click and App Home in another, form with an organization-wide install", async () => {
    const user: SlackUser = { id: "W0GRIDUSER1", name: "gwen" };
    const inOrg: OrgContext = { enterprise: ORG };

    // /credits topup trc20 10, typed in workspace 1: the payload names WS1 and the organization.
    const commandUrl = h.standIn.newResponseUrl("commands");
    const command = slashCommandBody({ teamId: WS1, user, command: "/credits", text: "topup trc20 10", responseUrl: commandUrl, triggerId: h.standIn.issueTrigger(), channelId: "C0GENERAL01", org: inOrg });
    expect((await postSigned(h.events, command, sign)).status).toBe(200);
    const instructions = await answerAt(h, commandUrl);
    const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: user.id }, orderBy: { seq: "desc" } });
    expect(order.customerWorkspace).toBe(ORG.id);

    // Submit proof, clicked on the ephemeral answer with the app installed organization-wide:
    // `team` is null and `user.team_id` is the organization.
    const viewsBefore = h.standIn.callsOf("views.open").length;
    const clickUrl = h.standIn.newResponseUrl("actions");
    const click = blockActionsPayload({
      teamId: WS2,
      user,
      button: button(instructions.blocks, translate("en", "topups.instructions.submit_proof")),
      triggerId: h.standIn.issueTrigger(),
      container: { type: "message", channelId: "C0GENERAL01", messageTs: `${Math.floor(Date.now() / 1000)}.000001`, isEphemeral: true, responseUrl: clickUrl },
      org: { ...inOrg, isEnterpriseInstall: true },
    });
    expect(click.team).toBeNull();
    expect((await postSigned(h.events, interactionBody(click), sign)).status).toBe(200);
    const form = await openedView(h, viewsBefore);

    // The proof modal, submitted from workspace 1.
    const png = h.standIn.addFile({ name: "paid.png", mimetype: "image/png", bytes: PNG_BYTES, user: user.id });
    const submission = viewSubmissionPayload({
      teamId: WS1,
      user,
      viewId: form.id,
      view: form.view,
      values: stateFor(form.view, { txHash: txHash(0x6a1d), screenshot: [png] }),
      triggerId: h.standIn.issueTrigger(),
      org: inOrg,
    });
    expect((await postSigned(h.events, interactionBody(submission), sign)).status).toBe(200);
    await answerAt(h, clickUrl);
    const submitted = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { id: order.id } });
    expect(submitted.status).toBe("submitted");

    // The App Home, opened in workspace 2: the Events API envelope names WS2 and the organization.
    const publishedBefore = h.standIn.callsOf("views.publish").length;
    const home = eventCallbackBody({ teamId: WS2, event: { type: "app_home_opened", user: user.id, channel: "D0HOME00002", tab: "home", event_ts: `${(Date.now() / 1000).toFixed(6)}` }, org: inOrg });
    expect((await postSigned(h.events, home, { ...sign, contentType: "application/json" })).status).toBe(200);
    await h.standIn.waitFor(() => h.standIn.callsOf("views.publish").slice(publishedBefore).find((c) => c.args.user_id === user.id), 8000, "the App Home");

    const identities = await identitiesOf(user.id);
    expect(identities.map((i) => [i.workspaceId, i.accountId])).toEqual([[ORG.id, order.accountId]]);
    expect(await h.services.prisma.topupOrder.count({ where: { customerUserId: user.id } })).toBe(1);
  });

  it("a member of a plain workspace keeps the key they always had: the team", async () => {
    const user: SlackUser = { id: "U0PLAINUSR1", name: "paula" };
    const commandUrl = h.standIn.newResponseUrl("commands");
    const command = slashCommandBody({ teamId: h.standIn.teamId, user, command: "/credits", text: "balance", responseUrl: commandUrl, triggerId: h.standIn.issueTrigger() });
    expect((await postSigned(h.events, command, sign)).status).toBe(200);
    await answerAt(h, commandUrl);
    expect((await identitiesOf(user.id)).map((i) => i.workspaceId)).toEqual([h.standIn.teamId]);
  });
});
