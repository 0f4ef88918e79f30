import { Writable } from "node:stream";
import type { App } from "@slack/bolt";
import { registry } from "../../../commands/index.ts";
import type { Caller } from "../../../src/core/command.ts";
import type { RawArgs } from "../../../src/core/dispatch.ts";
import { createLogger } from "../../../src/log.ts";
import type { Destination } from "../../../src/platforms/slack/answer.ts";
import type { SlackView } from "../../../src/platforms/slack/blockKit.ts";
import type { CallerInput, ListenerDeps } from "../../../src/platforms/slack/listeners/deps.ts";
import type { Submission, SubmittedState } from "../../../src/platforms/slack/submission.ts";
import { textReply, type Reply } from "../../../src/reply.ts";

/**
 * What a listener unit test needs: a stand-in for Bolt's `app` that keeps what each listener
 * registers, listener deps whose every call is recorded in one ordered timeline, and payloads of
 * the shapes Slack documents (docs.slack.dev: slash command request fields, the block_actions
 * and view_submission interaction payloads, the app_home_opened Events API envelope).
 */

export const TEAM = { id: "T0CREDIT01", domain: "creditdesk" };
export const CUSTOMER = { id: "U0CUSTOMER1", username: "carol", name: "carol", team_id: TEAM.id };
export const SUPPORT = { id: "U0SUPPORT01", username: "sam", name: "sam", team_id: TEAM.id };
export const RESPONSE_URL = "https://hooks.slack.com/commands/T0CREDIT01/1234567890/abcdefGHIJKL";
export const TRIGGER_ID = "13345224609.738474920.8088930838d88f008e0";

export interface Registered {
  kind: "command" | "action" | "view" | "event";
  constraint: unknown;
  handler: (args: Record<string, unknown>) => Promise<void>;
}

/** Bolt's App as far as registration goes: it records each listener with what it listens for. */
export function fakeApp(): { app: App; registered: Registered[]; only(kind: Registered["kind"]): Registered } {
  const registered: Registered[] = [];
  const keep = (kind: Registered["kind"]) => (constraint: unknown, handler: Registered["handler"]) => {
    registered.push({ kind, constraint, handler });
  };
  const app = { command: keep("command"), action: keep("action"), view: keep("view"), event: keep("event") };
  return {
    app: app as unknown as App,
    registered,
    only(kind) {
      const found = registered.filter((r) => r.kind === kind);
      if (found.length !== 1) throw new Error(`expected one ${kind} listener, found ${found.length}`);
      return found[0];
    },
  };
}

export interface Recorder {
  deps: ListenerDeps;
  /** Every step in the order it happened: "ack", "afterAck", "callerOf", "dispatch", "answer", "publish", … */
  timeline: string[];
  callers: CallerInput[];
  dispatched: { caller: Caller; command: string; args: RawArgs }[];
  answers: { reply: Reply; where: Destination }[];
  published: { userId: string; view: SlackView }[];
  submissions: SubmittedState[];
  /** What the listener logged, one parsed pino line each. */
  logs: Record<string, unknown>[];
  /** An ack function that records itself in the timeline with its argument. */
  ack: ((response?: unknown) => Promise<void>) & { calls: unknown[] };
}

export interface RecorderOptions {
  /** The reply of each dispatched command (default: a private text naming the command). */
  reply?: (command: string, args: RawArgs) => Reply | Promise<Reply>;
  submission?: Submission;
  command?: string;
  adminCommand?: string;
  submissionBudgetMs?: number;
  /** Makes the answerer fail (a response_url that is gone and no other way). */
  answerFails?: boolean;
}

export function recorder(options: RecorderOptions = {}): Recorder {
  const timeline: string[] = [];
  const r: Omit<Recorder, "deps" | "ack"> = { timeline, callers: [], dispatched: [], answers: [], published: [], submissions: [], logs: [] };
  const logLines = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) r.logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const ack = Object.assign(
    async (response?: unknown) => {
      ack.calls.push(response);
      timeline.push("ack");
    },
    { calls: [] as unknown[] },
  );
  const deps: ListenerDeps = {
    command: options.command ?? "/credits",
    adminCommand: options.adminCommand ?? "/credits-admin",
    registry,
    async callerOf(input) {
      timeline.push("callerOf");
      r.callers.push(input);
      return { platform: "slack", workspaceId: input.workspaceId, userId: input.userId, displayName: input.displayName, locale: "en", isSupport: input.userId === SUPPORT.id };
    },
    async dispatch(caller, command, args) {
      timeline.push("dispatch");
      r.dispatched.push({ caller, command, args });
      return options.reply ? options.reply(command, args) : textReply(`ran ${command}`);
    },
    answerer: {
      async answer(reply, where) {
        timeline.push("answer");
        r.answers.push({ reply, where });
        if (options.answerFails) throw new Error("response_url expired and the DM was refused");
      },
      formView: (reply) => ({ type: "modal", callback_id: "form-view", title: reply.form?.title }),
      resultView: (reply) => ({ type: "modal", callback_id: "result-view", shows: reply }),
    },
    async readSubmission(state) {
      timeline.push("readSubmission");
      r.submissions.push(state);
      return options.submission ?? { values: {} };
    },
    async publishHome(userId, view) {
      timeline.push("publish");
      r.published.push({ userId, view });
    },
    render: {},
    log: createLogger({ level: "info", secrets: [], destination: logLines }),
    submissionBudgetMs: options.submissionBudgetMs ?? 2500,
    async afterAck() {
      timeline.push("afterAck");
    },
  };
  return { ...r, deps, ack };
}

/** All text of a neutral reply, for assertions on what the user would read. */
export function textOfReply(reply: Reply): string {
  return reply.blocks.map((b) => ("text" in b ? b.text : "")).join("\n");
}

/** The trace id an internal-error reply shows, after checking that the log has the same one. */
export function traceIdOf(reply: Reply, logs: Record<string, unknown>[]): string {
  const shown = /\b([0-9a-f]{8})\b/.exec(textOfReply(reply))?.[1];
  if (!shown) throw new Error(`no trace id in ${textOfReply(reply)}`);
  if (!logs.some((l) => l.traceId === shown && l.err !== undefined)) throw new Error(`trace id ${shown} was not logged with its error`);
  return shown;
}

// ---- payloads of Slack's documented shapes ------------------------------------------------------

/**
 * A slash command request as Slack posts it (form fields; over Socket Mode the same object), from
 * a workspace outside any Enterprise organization (`enterprise_id` and `enterprise_name` are
 * present only inside one).
 */
export function slashCommand(text: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: "C2147483705",
    channel_name: "test",
    user_id: CUSTOMER.id,
    user_name: CUSTOMER.name,
    command: "/credits",
    text,
    api_app_id: "A123456",
    is_enterprise_install: "false",
    response_url: RESPONSE_URL,
    trigger_id: TRIGGER_ID,
    ...overrides,
  };
}

export interface ButtonClick {
  actionId: string;
  value: string;
  user?: typeof CUSTOMER;
}

function buttonAction(click: ButtonClick) {
  return { type: "button", action_id: click.actionId, block_id: "b_actions", text: { type: "plain_text", text: "Confirm", emoji: true }, value: click.value, action_ts: "1548426417.840180" };
}

function interactionBase(user: typeof CUSTOMER) {
  return { user, api_app_id: "A02", token: "Shh_its_a_seekrit", trigger_id: TRIGGER_ID, team: TEAM, enterprise: null, is_enterprise_install: false };
}

/** block_actions: a button on a message in a channel (the support card). */
export function messageClick(click: ButtonClick) {
  return {
    type: "block_actions",
    ...interactionBase(click.user ?? SUPPORT),
    container: { type: "message", message_ts: "1548261231.000200", channel_id: "C0SUPPORT01", is_ephemeral: false },
    channel: { id: "C0SUPPORT01", name: "support" },
    message: { type: "message", ts: "1548261231.000200", text: "Top-up CD-000001", blocks: [] },
    state: { values: {} },
    response_url: "https://hooks.slack.com/actions/T0CREDIT01/12345/zyxwvut",
    actions: [buttonAction(click)],
  };
}

/** block_actions: a button inside a view (a modal, or the App Home tab): no response_url. */
export function viewClick(click: ButtonClick, viewType: "modal" | "home") {
  const view = { id: "V0VIEW0001", team_id: TEAM.id, type: viewType, blocks: [], private_metadata: "", callback_id: "", state: { values: {} }, hash: "1548261231.abc", app_id: "A02" };
  return { type: "block_actions", ...interactionBase(click.user ?? CUSTOMER), container: { type: "view", view_id: view.id }, view, state: { values: {} }, actions: [buttonAction(click)] };
}

/** view_submission of one of our forms: its input blocks and what the user entered. */
export function viewSubmission(input: { privateMetadata: string; blocks: Record<string, unknown>[]; values: SubmittedState; user?: typeof CUSTOMER }) {
  return {
    type: "view_submission",
    team: TEAM,
    user: input.user ?? CUSTOMER,
    api_app_id: "A02",
    token: "Shh_its_a_seekrit",
    trigger_id: TRIGGER_ID,
    view: {
      id: "V0FORM0001",
      team_id: TEAM.id,
      type: "modal",
      blocks: input.blocks,
      private_metadata: input.privateMetadata,
      callback_id: "cd_form",
      state: { values: input.values },
      hash: "156663117.cd33ad1f",
      title: { type: "plain_text", text: "Top up" },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: { type: "plain_text", text: "Continue" },
      previous_view_id: null,
      root_view_id: "V0FORM0001",
      app_id: "A02",
      external_id: "",
      app_installed_team_id: TEAM.id,
      bot_id: "B0BOT00001",
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** The Events API envelope of app_home_opened. */
export function appHomeOpened(user: string, tab: "home" | "messages" = "home") {
  return {
    token: "XXYYZZ",
    team_id: TEAM.id,
    api_app_id: "A02",
    event: { type: "app_home_opened", user, channel: "D0HOME00001", tab, event_ts: "1515449522000016" },
    type: "event_callback",
    event_id: "Ev08MFMKH6",
    event_time: 1515449522,
    authorizations: [{ enterprise_id: null, team_id: TEAM.id, user_id: "U0BOT00001", is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}
