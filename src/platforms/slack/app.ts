import { App, HTTPReceiver, type Logger as BoltLogger } from "@slack/bolt";
import { dispatch, type Registry } from "../../core/dispatch.ts";
import type { Logger } from "../../log.ts";
import type { Deliverer } from "../../notify/outbox.ts";
import type { Services } from "../../services.ts";
import { createAnswerer } from "./answer.ts";
import type { RenderOptions } from "./blockKit.ts";
import { boltLogger } from "./boltLogger.ts";
import { createSlackDeliverer } from "./deliverer.ts";
import { registerListeners, type ListenerDeps } from "./listeners/index.ts";
import { SlackPeople } from "./people.ts";
import { EVENTS_PATH, eventsRoute, type SlackRoute } from "./routes.ts";
import { screenshotLinks, screenshotRoute } from "./screenshots.ts";
import { slackSettingsFrom, type SlackSettings } from "./settings.ts";
import { createSubmissionReader } from "./submission.ts";
import { yieldToPendingRequests } from "./timing.ts";
import { createSlackApi, SlackCallError, webClientOptions, type SlackApi, type SlackApiOptions } from "./webApi.ts";

/**
 * The Slack surface: a Bolt app whose listeners (listeners/) turn slash commands, button clicks,
 * modal submissions and App Home visits into `dispatch` calls, and whose answerer renders the
 * neutral replies as Block Kit. It holds no business rule, and it serves no HTTP itself: over
 * HTTP it hands the web process its routes (POST /slack/events, and the signed screenshot links
 * when PUBLIC_URL is set); in Socket Mode it opens its WebSocket to Slack.
 */

export interface SlackAppOptions {
  /** Overrides of what the environment says (tests point apiUrl at the stand-in). */
  settings?: Partial<SlackSettings>;
  /** How long a modal submission may work before the modal is closed without its answer. */
  submissionBudgetMs?: number;
  api?: SlackApiOptions;
  /** Lifetime of cached locales and of the support group's member list. */
  localeTtlMs?: number;
  usergroupTtlMs?: number;
}

export interface SlackSurface {
  app: App;
  api: SlackApi;
  people: SlackPeople;
  deliverer: Deliverer;
  settings: SlackSettings;
  /** For the web server: POST /slack/events over HTTP; GET /slack/screenshots/:sha256 with PUBLIC_URL. */
  routes: SlackRoute[];
  /** Checks the bot token with Slack (auth.test); in Socket Mode, connects. Over HTTP the web server serves `routes`. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_SUBMISSION_BUDGET_MS = 2500;

export function createSlackApp(services: Services, registry: Registry, options: SlackAppOptions = {}): SlackSurface {
  const settings = slackSettingsFrom(services.env, options.settings);
  const log = services.log.child({ surface: "slack" });
  const logger = boltLogger(services.log);
  const linkSecret = settings.signingSecret ?? settings.botToken;
  const render: RenderOptions = { screenshots: screenshotLinks(settings.publicUrl, linkSecret) };

  const { app, receiver } = createBoltApp(settings, logger);
  const api = createSlackApi(app.client, options.api);
  const people = new SlackPeople(api, log, {
    supportUsers: settings.supportUsers,
    supportUsergroup: settings.supportUsergroup,
    defaultLocale: services.env.DEFAULT_LOCALE,
    localeTtlMs: options.localeTtlMs,
    usergroupTtlMs: options.usergroupTtlMs,
  });
  registerListeners(app, listenerDeps({ services, registry, settings, api, people, render, log, budgetMs: options.submissionBudgetMs }));
  app.error(async (error) => {
    log.error({ err: error instanceof SlackCallError ? error.message : error }, "bolt error");
  });

  // Screenshot links exist only where PUBLIC_URL says the web server can be reached.
  const routes: SlackRoute[] = [...(receiver ? [eventsRoute(receiver, logger)] : []), ...(settings.publicUrl ? [screenshotRoute(services, linkSecret)] : [])];
  return {
    app,
    api,
    people,
    deliverer: createSlackDeliverer({ api, prisma: services.prisma, supportChannel: settings.supportChannel, render, log: services.log }),
    settings,
    routes,
    async start() {
      // auth.test runs here, so a bad token or an unreachable Slack stops start-up with a clear error.
      await app.init();
      if (receiver) return;
      await app.start();
      log.info("slack socket mode connected");
    },
    async stop() {
      // Over HTTP the receiver was never started (the web server owns the socket): nothing to stop.
      if (!receiver) await app.stop().catch(() => undefined);
      await api.stop();
    },
  };
}

/**
 * Socket Mode when SLACK_APP_TOKEN is set; otherwise Bolt's HTTPReceiver, whose listener the web
 * server calls. Bolt's conversation store is off: no listener reads `context.conversation`, and
 * its in-memory store builds an Error (with its stack) on every request that has a channel.
 */
function createBoltApp(settings: SlackSettings, logger: BoltLogger): { app: App; receiver?: HTTPReceiver } {
  const clientOptions = webClientOptions(settings.apiUrl, logger);
  if (settings.appToken) {
    const app = new App({
      token: settings.botToken,
      appToken: settings.appToken,
      socketMode: true,
      clientOptions,
      logger,
      deferInitialization: true,
      convoStore: false,
      // The Socket Mode client opens its connection with a Web client of its own, built from
      // these options: without them it would ignore SLACK_API_URL.
      installerOptions: { clientOptions: { slackApiUrl: settings.apiUrl } },
    });
    return { app };
  }
  const receiver = new HTTPReceiver({ signingSecret: settings.signingSecret!, endpoints: EVENTS_PATH, logger, processBeforeResponse: false });
  return { app: new App({ token: settings.botToken, receiver, clientOptions, logger, deferInitialization: true, convoStore: false }), receiver };
}

function listenerDeps(input: {
  services: Services;
  registry: Registry;
  settings: SlackSettings;
  api: SlackApi;
  people: SlackPeople;
  render: RenderOptions;
  log: Logger;
  budgetMs?: number;
}): ListenerDeps {
  const { services, registry, settings, api, people, render, log } = input;
  return {
    command: settings.command,
    adminCommand: settings.adminCommand,
    registry,
    callerOf: (who) => people.caller(who),
    dispatch: (caller, command, args) => dispatch(registry, services, caller, command, args),
    answerer: createAnswerer({ api, log, render }),
    readSubmission: createSubmissionReader({ api, botToken: settings.botToken, apiUrl: settings.apiUrl, maxBytes: services.env.SCREENSHOT_MAX_BYTES, log }),
    publishHome: async (userId, view) => {
      await api.call("views.publish", { user_id: userId, view });
    },
    render,
    log,
    submissionBudgetMs: input.budgetMs ?? DEFAULT_SUBMISSION_BUDGET_MS,
    afterAck: yieldToPendingRequests,
  };
}
