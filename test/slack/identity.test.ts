import { describe, expect, it } from "vitest";
import { slackIdentity, UnidentifiedSlackRequest, type SlackRequest } from "../../src/platforms/slack/identity.ts";
import { appHomeOpened, CUSTOMER, messageClick, slashCommand, TEAM, viewClick, viewSubmission } from "./listeners/kit.ts";

/**
 * slackIdentity decides the caller's workspaceId for every kind of payload. The payloads below
 * follow Slack's documented shapes (docs.slack.dev: slash command request fields, block_actions
 * and view_submission payloads, the Events API envelope with `authorizations`, the
 * organization-wide app reference payloads), in a plain workspace, in an Enterprise organization
 * (installed per workspace and organization-wide) and in a Slack Connect channel.
 */

const ORG = { id: "E0GRID00001", name: "Globular Construct Inc" };
const WS1 = { id: "T0GRIDWS001", domain: "globular-sales" };
const WS2 = { id: "T0GRIDWS002", domain: "globular-support" };
const GRID_USER = { id: "W0GRIDUSER1", username: "gwen", name: "gwen" };

function gridSlashCommand(workspace: typeof WS1, orgWide = false) {
  return slashCommand("balance", {
    team_id: workspace.id,
    team_domain: workspace.domain,
    enterprise_id: ORG.id,
    enterprise_name: ORG.name,
    is_enterprise_install: orgWide ? "true" : "false",
    user_id: GRID_USER.id,
    user_name: GRID_USER.name,
  });
}

/** block_actions or view_submission inside the organization: user.team_id is the organization id. */
function inOrg<T extends { team: unknown; user: unknown; enterprise: unknown; is_enterprise_install: boolean }>(
  payload: T,
  where: { workspace: typeof WS1; orgWide?: boolean; userTeamId?: string },
): T {
  return {
    ...payload,
    team: where.orgWide ? null : { id: where.workspace.id, domain: where.workspace.domain, enterprise_id: ORG.id, enterprise_name: ORG.name },
    user: { ...GRID_USER, team_id: where.userTeamId ?? ORG.id },
    enterprise: ORG,
    is_enterprise_install: where.orgWide ?? false,
  };
}

function gridHomeOpened(workspace: typeof WS1, envelope: "full" | "authorizations only") {
  const body = appHomeOpened(GRID_USER.id);
  const authorizations = [{ enterprise_id: ORG.id, team_id: workspace.id, user_id: "W0BOT000001", is_bot: true, is_enterprise_install: true }];
  if (envelope === "authorizations only") return { ...body, team_id: workspace.id, authorizations };
  return { ...body, team_id: workspace.id, enterprise_id: ORG.id, context_team_id: workspace.id, context_enterprise_id: ORG.id, authorizations };
}

const form = { privateMetadata: "{}", blocks: [], values: {} };
const confirm = { actionId: "cd_confirm_0", value: "{}" };

describe("slackIdentity: the workspace of the caller, for every kind of payload", () => {
  it("in a plain workspace, every kind names the same team", () => {
    const requests: SlackRequest[] = [
      { kind: "slash_command", body: slashCommand("balance") as never },
      { kind: "block_actions", body: messageClick({ ...confirm, user: CUSTOMER }) },
      { kind: "block_actions", body: viewClick(confirm, "home") },
      { kind: "view_submission", body: viewSubmission(form) },
      { kind: "event", body: appHomeOpened(CUSTOMER.id) },
    ];
    for (const request of requests) {
      expect(slackIdentity(request), request.kind).toMatchObject({ workspaceId: TEAM.id, userId: CUSTOMER.id });
    }
    expect(slackIdentity({ kind: "slash_command", body: slashCommand("balance") as never }).displayName).toBe(CUSTOMER.name);
    expect(slackIdentity({ kind: "event", body: appHomeOpened(CUSTOMER.id) }).displayName).toBeUndefined();
  });

  it("in an Enterprise organization, one key (the organization) whichever workspace, install or field names", () => {
    const requests: [string, SlackRequest][] = [
      ["command typed in workspace 1", { kind: "slash_command", body: gridSlashCommand(WS1) as never }],
      ["command typed in workspace 2", { kind: "slash_command", body: gridSlashCommand(WS2) as never }],
      ["command, organization-wide install", { kind: "slash_command", body: gridSlashCommand(WS1, true) as never }],
      ["click in workspace 2", { kind: "block_actions", body: inOrg(messageClick(confirm), { workspace: WS2 }) }],
      ["click, organization-wide install (team null)", { kind: "block_actions", body: inOrg(messageClick(confirm), { workspace: WS1, orgWide: true }) }],
      ["click reporting a workspace in user.team_id", { kind: "block_actions", body: inOrg(messageClick(confirm), { workspace: WS2, userTeamId: WS1.id }) }],
      ["click on the App Home", { kind: "block_actions", body: inOrg(viewClick(confirm, "home"), { workspace: WS1 }) }],
      ["form submitted in workspace 1", { kind: "view_submission", body: inOrg(viewSubmission(form), { workspace: WS1 }) }],
      ["form, organization-wide install (team null)", { kind: "view_submission", body: inOrg(viewSubmission(form), { workspace: WS2, orgWide: true }) }],
      ["App Home opened, full envelope", { kind: "event", body: gridHomeOpened(WS2, "full") }],
      ["App Home opened, enterprise only in authorizations", { kind: "event", body: gridHomeOpened(WS1, "authorizations only") }],
    ];
    for (const [what, request] of requests) {
      expect(slackIdentity(request), what).toMatchObject({ workspaceId: ORG.id, userId: GRID_USER.id });
    }
  });

  it("in a Slack Connect channel, a member of another organization keeps their own team, on every click and form", () => {
    const partner = { id: "T0PARTNER01" };
    const guest = { id: "U0PARTNER01", username: "pat", name: "pat", team_id: partner.id };
    const click = { ...messageClick(confirm), user: guest };
    const submitted = { ...viewSubmission(form), user: guest, view: { ...viewSubmission(form).view, app_installed_team_id: TEAM.id } };
    expect(slackIdentity({ kind: "block_actions", body: click })).toEqual({ workspaceId: partner.id, userId: guest.id, displayName: "pat" });
    expect(slackIdentity({ kind: "view_submission", body: submitted })).toEqual({ workspaceId: partner.id, userId: guest.id, displayName: "pat" });

    // A guest from an Enterprise organization: Slack reports their organization in user.team_id.
    const gridGuest = { ...guest, team_id: "E0PARTNER01" };
    expect(slackIdentity({ kind: "block_actions", body: { ...click, user: gridGuest } }).workspaceId).toBe("E0PARTNER01");
    expect(slackIdentity({ kind: "view_submission", body: { ...submitted, user: gridGuest } }).workspaceId).toBe("E0PARTNER01");

    // Our own member clicking in the shared channel is still keyed by our team, as their commands are.
    expect(slackIdentity({ kind: "block_actions", body: messageClick({ ...confirm, user: CUSTOMER }) }).workspaceId).toBe(TEAM.id);
  });

  it("refuses a payload that names no user or no team at all", () => {
    expect(() => slackIdentity({ kind: "event", body: { ...appHomeOpened(CUSTOMER.id), event: { type: "app_home_opened" } } })).toThrow(UnidentifiedSlackRequest);
    const nowhere = { ...viewSubmission(form), team: null, user: { id: CUSTOMER.id, name: "carol" }, view: { ...viewSubmission(form).view, team_id: "" } };
    expect(() => slackIdentity({ kind: "view_submission", body: nowhere })).toThrow(UnidentifiedSlackRequest);
  });
});
