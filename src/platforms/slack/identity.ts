/**
 * Who a Slack request comes from, decided in one place for every kind of payload the app
 * receives. A Slack identity is keyed (workspaceId, userId); this decides the workspaceId.
 *
 * What Slack documents, per kind of payload:
 * - A slash command carries the workspace it was typed in (`team_id`) and, in an Enterprise
 *   organization, `enterprise_id`. Only members of a workspace where the app is installed can run
 *   it (not Slack Connect guests from another organization).
 * - block_actions and view_submission carry `team` (the workspace of the surface; `null` when the
 *   app is installed organization-wide), `user.team_id` (the user's own team, which Slack reports
 *   as the organization id, E…, in an Enterprise organization; in a Slack Connect channel a member
 *   of another organization keeps their own team here), `enterprise` (`{id, name}` or null) and
 *   `is_enterprise_install`; `team.enterprise_id` and `view.team_id` may also be present.
 * - An Events API callback (app_home_opened) carries `team_id`, `enterprise_id`,
 *   `context_team_id` / `context_enterprise_id` on newer payloads, and `authorizations[0]` (the
 *   installation, with its own `team_id`, `enterprise_id` and `is_enterprise_install`).
 *
 * Within an Enterprise organization a user id is global: the same person has the same id in
 * every workspace of the organization and may reach the bot from any of them, while the
 * workspace a payload names changes with where they clicked. The organization does not change,
 * so it is the stable key:
 *   1. `user.team_id` that is an organization id (E…): that organization;
 *   2. otherwise any enterprise id the payload carries: that organization;
 *   3. otherwise the user's own team (`user.team_id`, so a Slack Connect member of another
 *      organization is keyed by their own team, the same on every click and form), else the team
 *      the request names.
 * Each kind of payload goes through the same rule, so a slash command, a click and a form
 * submission of one person always land on one identity, hence one account.
 */

export interface SlackIdentity {
  /** The Enterprise organization id (E…) for a member of one; otherwise the user's own team id (T…). */
  workspaceId: string;
  userId: string;
  displayName?: string;
}

type Id = string | null | undefined;

/** The fields of a slash command request that say who and where (form fields, strings). */
export interface SlashCommandFields {
  team_id?: Id;
  enterprise_id?: Id;
  is_enterprise_install?: Id;
  user_id: string;
  user_name?: Id;
}

/** The fields of a block_actions or view_submission payload that say who and where. */
export interface InteractionFields {
  team?: { id?: Id; enterprise_id?: Id } | null;
  user: { id: string; team_id?: Id; name?: Id; username?: Id };
  enterprise?: { id?: Id } | null;
  is_enterprise_install?: boolean | null;
  view?: { team_id?: Id } | null;
}

/** The fields of an Events API envelope that say who and where; the event names the user. */
export interface EventEnvelopeFields {
  team_id?: Id;
  enterprise_id?: Id;
  context_team_id?: Id;
  context_enterprise_id?: Id;
  authorizations?: { team_id?: Id; enterprise_id?: Id; is_enterprise_install?: boolean | null }[] | null;
  event: { type?: string; user?: unknown };
}

export type SlackRequest =
  | { kind: "slash_command"; body: SlashCommandFields }
  | { kind: "block_actions" | "view_submission"; body: InteractionFields }
  | { kind: "event"; body: EventEnvelopeFields };

export class UnidentifiedSlackRequest extends Error {
  constructor(kind: string, missing: string) {
    super(`a Slack ${kind} payload without ${missing}`);
    this.name = "UnidentifiedSlackRequest";
  }
}

const present = (...ids: Id[]): string | undefined => ids.find((id): id is string => typeof id === "string" && id.length > 0);
const isOrganization = (id: string | undefined): id is string => id !== undefined && id.startsWith("E");

export function slackIdentity(request: SlackRequest): SlackIdentity {
  const { kind } = request;
  let userId: string | undefined;
  let userTeam: string | undefined;
  let enterprise: string | undefined;
  let team: string | undefined;
  let displayName: string | undefined;
  if (request.kind === "slash_command") {
    const body = request.body;
    userId = present(body.user_id);
    displayName = present(body.user_name);
    enterprise = present(body.enterprise_id);
    team = present(body.team_id);
  } else if (request.kind === "event") {
    const body = request.body;
    const installation = body.authorizations?.[0];
    userId = typeof body.event.user === "string" ? present(body.event.user) : undefined;
    enterprise = present(body.context_enterprise_id, body.enterprise_id, installation?.enterprise_id);
    team = present(body.context_team_id, body.team_id, installation?.team_id);
  } else {
    const body = request.body;
    userId = present(body.user?.id);
    displayName = present(body.user?.name, body.user?.username);
    userTeam = present(body.user?.team_id);
    enterprise = present(body.enterprise?.id, body.team?.enterprise_id);
    team = present(body.team?.id, body.view?.team_id);
  }
  if (!userId) throw new UnidentifiedSlackRequest(kind, "a user id");
  const workspaceId = isOrganization(userTeam) ? userTeam : (enterprise ?? userTeam ?? team);
  if (!workspaceId) throw new UnidentifiedSlackRequest(kind, "a team or enterprise id");
  return { workspaceId, userId, ...(displayName ? { displayName } : {}) };
}
