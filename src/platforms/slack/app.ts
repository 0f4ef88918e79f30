import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ackLatency } from "../../metrics.ts";
import { App, HTTPReceiver, type BlockAction, type ButtonAction, type CustomRoute, type types, type ViewStateValue } from "@slack/bolt";
import type { Caller } from "../../core/command.ts";
import { dispatch, type RawArgs, type Registry } from "../../core/dispatch.ts";
import { translate } from "../../i18n.ts";
import type { Deliverer } from "../../notify/outbox.ts";
import type { Reply } from "../../reply.ts";
import type { Services } from "../../services.ts";
import {
  fieldOfBlockId,
  modalErrors,
  renderFormModal,
  renderHome,
  renderMessage,
  renderResultModal,
  type RenderOptions,
  type SlackBlock,
  type SlackView,
} from "./blockKit.ts";
import { boltLogger } from "./boltLogger.ts";
import { parseCommandText } from "./commandText.ts";
import { createSlackDeliverer } from "./deliverer.ts";
import { downloadSlackFile, type SlackFileRef } from "./files.ts";
import { ACTION_PREFIX, decodeButtonValue, decodeFormContext, FORM_CALLBACK_ID } from "./invocations.ts";
import { SlackPeople } from "./people.ts";
import { postJson } from "./responseUrl.ts";
import { screenshotLinks, screenshotRoute } from "./screenshots.ts";
import { slackSettingsFrom, type SlackSettings } from "./settings.ts";
import { createSlackApi, SlackCallError, webClientOptions, type SlackApi, type SlackApiOptions } from "./webApi.ts";

/**
 * The Slack surface: a Bolt app that turns slash commands, button clicks and modal submissions
 * into `dispatch` calls and renders the neutral replies as Block Kit. It holds no business rule.
 *
 * Timing is Slack's: every request is acknowledged within 3 seconds. Commands and clicks are
 * acknowledged first, then the command runs, then a form opens with the trigger_id (valid for 3
 * seconds) or the answer goes to the response_url. A modal submission is the exception: its
 * validation errors must travel in the acknowledgement, so the command runs first within a
 * budget, and if it is slower the modal closes and the answer follows through the response_url.
 */

export interface SlackAppOptions {
  /** Overrides of what the environment says (tests point apiUrl at the stand-in). */
  settings?: Partial<SlackSettings>;
  /** Where the HTTP receiver listens; the port defaults to PORT, the host to all interfaces. */
  listen?: { port?: number; host?: string };
  /** Extra routes on the same HTTP server. */
  customRoutes?: CustomRoute[];
  /** Mount the usage API routes of src/http (default true). */
  apiRoutes?: boolean;
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
  /** Starts receiving; for HTTP, resolves with the base URL it listens on. */
  start(): Promise<{ url?: string }>;
  stop(): Promise<void>;
}

/** Where the answer to an interaction goes. */
interface Destination {
  caller: Caller;
  triggerId?: string;
  /** The response_url of a slash command or a message click. */
  responseUrl?: string;
  channelId?: string;
  /** The modal the interaction came from, to show the answer in place. */
  modalViewId?: string;
}

const DEFAULT_SUBMISSION_BUDGET_MS = 2500;

export async function createSlackApp(services: Services, registry: Registry, options: SlackAppOptions = {}): Promise<SlackSurface> {
  const settings = slackSettingsFrom(services.env, options.settings);
  const log = services.log.child({ surface: "slack" });
  const logger = boltLogger(services.log);
  const budgetMs = options.submissionBudgetMs ?? DEFAULT_SUBMISSION_BUDGET_MS;
  const linkSecret = settings.signingSecret ?? settings.botToken;
  const render: RenderOptions = { screenshots: screenshotLinks(settings.publicUrl, linkSecret) };

  // Screenshot links exist only where PUBLIC_URL says the server can be reached.
  const routes: CustomRoute[] = [...(settings.publicUrl ? [screenshotRoute(services, linkSecret)] : []), ...(options.customRoutes ?? [])];
  if (options.apiRoutes !== false) routes.push(...(await loadApiRoutes(services)));

  const clientOptions = webClientOptions(settings.apiUrl, logger);
  let receiver: HTTPReceiver | undefined;
  let app: App;
  if (settings.appToken) {
    app = new App({
      token: settings.botToken,
      appToken: settings.appToken,
      socketMode: true,
      clientOptions,
      logger,
      customRoutes: routes,
      // The Socket Mode client opens its connection with a Web client of its own, built from
      // these options: without them it would ignore SLACK_API_URL.
      installerOptions: { port: options.listen?.port ?? settings.port, clientOptions: { slackApiUrl: settings.apiUrl } },
    });
  } else {
    receiver = new HTTPReceiver({
      signingSecret: settings.signingSecret!,
      endpoints: "/slack/events",
      customRoutes: routes,
      logger,
      processBeforeResponse: false,
    });
    app = new App({ token: settings.botToken, receiver, clientOptions, logger });
  }

  const api = createSlackApi(app.client, options.api);
  const people = new SlackPeople(api, log, {
    supportUsers: settings.supportUsers,
    supportUsergroup: settings.supportUsergroup,
    defaultLocale: services.env.DEFAULT_LOCALE,
    localeTtlMs: options.localeTtlMs,
    usergroupTtlMs: options.usergroupTtlMs,
  });
  const deliverer = createSlackDeliverer({ api, prisma: services.prisma, supportChannel: settings.supportChannel, render });
  const t = (caller: Pick<Caller, "locale">, key: string, params?: Record<string, string | number>) => translate(caller.locale, key, params);

  // ---- answering -----------------------------------------------------------------------------

  async function postToResponseUrl(url: string, reply: Reply, replaceOriginal = false): Promise<void> {
    await postJson(url, {
      ...renderMessage(reply, render),
      response_type: reply.private === false ? "in_channel" : "ephemeral",
      replace_original: replaceOriginal,
    });
  }

  async function sendDirect(caller: Caller, reply: Reply): Promise<void> {
    const opened = await api.call<{ channel?: { id?: string } }>("conversations.open", { users: caller.userId });
    if (!opened.channel?.id) throw new Error("conversations.open gave no channel");
    await api.call("chat.postMessage", { channel: opened.channel.id, ...renderMessage(reply, render), unfurl_links: false });
  }

  /** Only the caller sees it; false when the bot may not post there (not in the channel). */
  async function postEphemeral(caller: Caller, channel: string, reply: Reply): Promise<boolean> {
    try {
      await api.call("chat.postEphemeral", { channel, user: caller.userId, ...renderMessage(reply, render) });
      return true;
    } catch (err) {
      log.warn({ err: String(err) }, "chat.postEphemeral failed");
      return false;
    }
  }

  async function openForm(reply: Reply, where: Destination): Promise<void> {
    const view = renderFormModal(reply, reply.form!, { responseUrl: where.responseUrl, channelId: where.channelId }, t(where.caller, "slack.close"), render);
    try {
      if (!where.triggerId) throw new Error("no trigger_id to open a form with");
      await api.call(where.modalViewId ? "views.push" : "views.open", { trigger_id: where.triggerId, view });
    } catch (err) {
      log.warn({ err: String(err), form: reply.form!.command }, "could not open the form");
      const expired = { blocks: [{ type: "text" as const, text: t(where.caller, "slack.form_expired") }], private: true, error: true };
      await answer(expired, { ...where, triggerId: undefined });
    }
  }

  /** Shows a reply where the interaction came from. */
  async function answer(reply: Reply, where: Destination): Promise<void> {
    if (reply.form) return openForm(reply, where);
    if (where.responseUrl) {
      try {
        return await postToResponseUrl(where.responseUrl, reply, reply.replaceSource === true);
      } catch (err) {
        // A response_url lasts 30 minutes and 5 answers; past that, answer privately in the channel.
        log.warn({ err: String(err) }, "response_url failed");
        if (where.channelId && (await postEphemeral(where.caller, where.channelId, reply))) return;
        return sendDirect(where.caller, reply);
      }
    }
    const modal = () => renderResultModal(reply, t(where.caller, "slack.result_title"), t(where.caller, "slack.close"), render);
    if (where.modalViewId) {
      await api.call("views.update", { view_id: where.modalViewId, view: modal() });
      return;
    }
    if (where.triggerId) {
      try {
        await api.call("views.open", { trigger_id: where.triggerId, view: modal() });
        return;
      } catch (err) {
        log.warn({ err: String(err) }, "could not show the answer in a modal; sending it directly");
      }
    }
    await sendDirect(where.caller, reply);
  }

  async function run(caller: Caller, command: string, args: RawArgs): Promise<Reply> {
    return dispatch(registry, services, caller, command, args);
  }

  function internalError(caller: Caller, err: unknown): Reply {
    const traceId = Math.random().toString(36).slice(2, 10);
    log.error({ err, traceId }, "slack interaction failed");
    const text = t(caller, "errors.internal", { traceId });
    return { blocks: [{ type: "text", text: `⚠️ ${text}` }], private: true, error: true, summary: text };
  }

  // ---- slash command -------------------------------------------------------------------------

  app.command(settings.command, async ({ command, ack }) => {
    await ack();
    await yieldToPendingRequests();
    const caller = await people.caller({ teamId: command.team_id, userId: command.user_id, displayName: command.user_name });
    const where: Destination = { caller, triggerId: command.trigger_id, responseUrl: command.response_url, channelId: command.channel_id };
    try {
      const { command: name, args } = parseCommandText(command.text ?? "", registry);
      await answer(await run(caller, name, args), where);
    } catch (err) {
      await answer(internalError(caller, err), { ...where, triggerId: undefined }).catch(() => undefined);
    }
  });

  // ---- buttons -------------------------------------------------------------------------------

  app.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: new RegExp(`^${ACTION_PREFIX}`) }, async ({ ack, body, action }) => {
    await ack();
    await yieldToPendingRequests();
    const teamId = body.team?.id ?? body.user.team_id ?? "";
    // Rights are decided again on every click: a button in an old message grants nothing.
    const caller = await people.caller({ teamId, userId: body.user.id, displayName: body.user.name ?? body.user.username });
    const inModal = body.view?.type === "modal";
    const where: Destination = {
      caller,
      triggerId: body.trigger_id,
      responseUrl: body.response_url || undefined,
      channelId: body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id,
      modalViewId: inModal ? body.view!.id : undefined,
    };
    try {
      const invocation = decodeButtonValue(action.value);
      const reply: Reply = invocation
        ? await run(caller, invocation.command, invocation.args)
        : { blocks: [{ type: "text", text: t(caller, "slack.stale_button") }], private: true, error: true };
      await answer(reply, where);
    } catch (err) {
      await answer(internalError(caller, err), { ...where, triggerId: undefined }).catch(() => undefined);
    }
  });

  // ---- modal submissions ---------------------------------------------------------------------

  app.view({ callback_id: FORM_CALLBACK_ID, type: "view_submission" }, async ({ ack, body, view }) => {
    const context = decodeFormContext(view.private_metadata);
    const teamId = body.team?.id ?? body.user.team_id ?? view.team_id;
    const inputBlockIds = (view.blocks as SlackBlock[]).filter((b) => b.type === "input").map((b) => String(b.block_id));

    const work = (async () => {
      const caller = await people.caller({ teamId, userId: body.user.id, displayName: body.user.name });
      if (!context) {
        return { caller, reply: { blocks: [{ type: "text", text: t(caller, "slack.stale_button") }], private: true, error: true } as Reply };
      }
      const submitted = await readSubmission(view.state.values as Record<string, Record<string, ViewStateValue>>, caller);
      if (submitted.fileErrors) return { caller, reply: { blocks: [], private: true, error: true, fieldErrors: submitted.fileErrors } as Reply };
      const reply = await run(caller, context.invocation.command, { ...context.invocation.args, ...submitted.values });
      return { caller, reply };
    })();

    const settled = await withinBudget(work, budgetMs);
    if (settled === "late") {
      // Slack would show "the app did not respond": close the modal, answer when ready.
      await ack();
      work
        .then(({ caller, reply }) => answer(reply, { caller, responseUrl: context?.responseUrl, channelId: context?.channelId }))
        .catch((err: unknown) => log.error({ err }, "late modal submission failed"));
      return;
    }
    if (settled.status === "rejected") {
      const caller = await people.caller({ teamId, userId: body.user.id });
      await ack({ response_action: "update", view: asView(renderResultModal(internalError(caller, settled.reason), t(caller, "slack.result_title"), t(caller, "slack.close"), render)) });
      return;
    }
    const { caller, reply } = settled.value;
    const errors = reply.error ? modalErrors(reply, inputBlockIds) : null;
    if (errors) {
      await ack({ response_action: "errors", errors });
      return;
    }
    if (reply.form) {
      const next = renderFormModal(reply, reply.form, { responseUrl: context?.responseUrl, channelId: context?.channelId }, t(caller, "slack.close"), render);
      await ack({ response_action: "update", view: asView(next) });
      return;
    }
    if (context?.responseUrl && !reply.error) {
      await ack();
      await answer(reply, { caller, responseUrl: context.responseUrl, channelId: context.channelId });
      return;
    }
    await ack({ response_action: "update", view: asView(renderResultModal(reply, t(caller, "slack.result_title"), t(caller, "slack.close"), render)) });
  });

  /** Field values of a submitted modal, by field name; file inputs are downloaded here. */
  async function readSubmission(values: Record<string, Record<string, ViewStateValue>>, caller: Caller) {
    const out: RawArgs = {};
    let fileErrors: Record<string, string> | undefined;
    for (const [blockId, actions] of Object.entries(values)) {
      const field = fieldOfBlockId(blockId);
      if (!field) continue;
      for (const value of Object.values(actions)) {
        switch (value.type) {
          case "file_input": {
            const file = value.files?.[0] as SlackFileRef | undefined;
            if (!file) break;
            try {
              out[field] = await downloadSlackFile(file, { api, botToken: settings.botToken, apiUrl: settings.apiUrl, maxBytes: services.env.SCREENSHOT_MAX_BYTES });
            } catch (err) {
              log.warn({ err: String(err), file: file.id }, "file download failed");
              fileErrors = { ...fileErrors, [field]: t(caller, "slack.file_download_failed") };
            }
            break;
          }
          case "static_select":
            if (value.selected_option?.value) out[field] = value.selected_option.value;
            break;
          default:
            if (typeof value.value === "string" && value.value.trim() !== "") out[field] = value.value;
        }
      }
    }
    return { values: out, fileErrors };
  }

  // ---- App Home ------------------------------------------------------------------------------

  app.event("app_home_opened", async ({ event, body }) => {
    if (event.tab !== "home") return;
    const teamId = (body as { team_id?: string }).team_id ?? "";
    const caller = await people.caller({ teamId, userId: event.user });
    const [balance, history, queue] = await Promise.all([
      run(caller, "balance", {}),
      run(caller, "history", {}),
      caller.isSupport ? run(caller, "queue", {}) : Promise.resolve(null),
    ]);
    const top: Reply["blocks"] = [
      { type: "header", text: t(caller, "slack.home.title") },
      { type: "text", text: t(caller, "slack.home.intro", { command: settings.command }) },
      { type: "buttons", buttons: [{ label: t(caller, "slack.home.topup"), style: "primary", command: "topup", args: {} }] },
    ];
    const sections = [top, balance.blocks, history.blocks];
    if (queue) sections.push([{ type: "header", text: t(caller, "slack.home.queue_title") }, ...queue.blocks]);
    await api.call("views.publish", { user_id: event.user, view: renderHome(sections, render) });
  });

  app.error(async (error) => {
    log.error({ err: error instanceof SlackCallError ? error.message : error }, "bolt error");
  });

  let server: Server | undefined;
  return {
    app,
    api,
    people,
    deliverer,
    settings,
    async start() {
      if (!receiver) {
        await app.start();
        log.info("slack socket mode connected");
        return {};
      }
      const port = options.listen?.port ?? settings.port;
      server = (await app.start({ port, host: options.listen?.host })) as Server;
      observeAckLatency(server);
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      log.info({ port: address.port }, "slack HTTP receiver listening");
      return { url: `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${address.port}` };
    },
    async stop() {
      server?.closeAllConnections();
      await app.stop().catch(() => undefined);
      await api.stop();
    },
  };
}

/** Our renderer builds plain JSON; Bolt's ack wants its View type. */
function asView(view: SlackView): types.View {
  return view as types.View;
}

/**
 * After an ack, the command's work would otherwise run before the event loop looks at the next
 * requests waiting on their sockets; letting them be read (and acked) first keeps every ack fast.
 */
function yieldToPendingRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<PromiseSettledResult<T> | "late"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), budgetMs);
  });
  const settled = work.then(
    (value): PromiseSettledResult<T> => ({ status: "fulfilled", value }),
    (reason: unknown): PromiseSettledResult<T> => ({ status: "rejected", reason }),
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The usage API of src/http, when that module is present, on the same HTTP server. */
async function loadApiRoutes(services: Services): Promise<CustomRoute[]> {
  try {
    const module = (await import("../../http/routes.ts")) as { apiRoutes?: (s: Services) => CustomRoute[] };
    return module.apiRoutes ? module.apiRoutes(services) : [];
  } catch (err) {
    services.log.warn({ err: String(err) }, "usage API routes not mounted");
    return [];
  }
}

/** Slack's requests are answered when Bolt acks, so the response's end is the ack: time it. */
function observeAckLatency(server: Server): void {
  server.prependListener("request", (req, res) => {
    if (req.method !== "POST" || !req.url?.startsWith("/slack/events")) return;
    const started = process.hrtime.bigint();
    res.once("finish", () => {
      ackLatency.observe({ platform: "slack", kind: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}
