import { expect } from "vitest";
import { registry } from "../../commands/index.ts";
import { deliverDue } from "../../src/notify/outbox.ts";
import { outboxRenderer } from "../../src/views/outbox.ts";
import { startWeb } from "../../src/app/web.ts";
import type { SlackAppOptions, SlackSurface } from "../../src/platforms/slack/index.ts";
import type { Services } from "../../src/services.ts";
import { translate, resolveLocale } from "../../src/i18n.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";
import {
  blockActionsPayload,
  buttonsIn,
  eventCallbackBody,
  interactionBody,
  postSigned,
  slashCommandBody,
  startSlackStandIn,
  stateFor,
  viewSubmissionPayload,
  type AppResponse,
  type FoundButton,
  type SignedPostOptions,
  type SlackFileObject,
  type SlackStandIn,
  type SlackUser,
  type SlackView,
} from "../standins/slack.ts";

export const SIGNING_SECRET = "8f2b1c0e9d7a4b6c5e3f1a2b3c4d5e6f";
export const SUPPORT_CHANNEL = "C0SUPPORT01";
export const SUPPORT_GROUP = "S0SUPPORT01";
export const customer: SlackUser = { id: "U0CUSTOMER1", name: "carol" };
export const support: SlackUser = { id: "U0SUPPORT01", name: "sam" };
/** Support by membership of the user group, not by the id list. */
export const groupSupport: SlackUser = { id: "U0GROUPSUP1", name: "gina" };

export interface SlackHarness {
  standIn: SlackStandIn;
  services: Services;
  surface: SlackSurface;
  /** http://127.0.0.1:<port> of the web server (Slack's routes, the usage API, /healthz, /metrics) */
  base: string;
  events: string;
  close(): Promise<void>;
}

export async function startSlackHarness(options: { env?: Record<string, string>; app?: SlackAppOptions; now?: () => Date } = {}): Promise<SlackHarness> {
  const standIn = await startSlackStandIn();
  standIn.setUsergroup(SUPPORT_GROUP, [groupSupport.id]);
  const services = await createTestServices({
    env: {
      SLACK_BOT_TOKEN: standIn.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_SUPPORT_CHANNEL: SUPPORT_CHANNEL,
      SLACK_SUPPORT_USERS: support.id,
      SLACK_SUPPORT_USERGROUP: SUPPORT_GROUP,
      SLACK_API_URL: standIn.apiUrl,
      PUBLIC_URL: "https://billing.example.test",
      ...options.env,
    },
    now: options.now,
  });
  // The web process as `npm run web` starts it: one server, Slack's routes mounted on it.
  const web = await startWeb(services, registry, { port: 0, host: "127.0.0.1", slack: options.app });
  return {
    standIn,
    services,
    surface: web.slack!,
    base: web.url,
    events: `${web.url}/slack/events`,
    async close() {
      await web.stop();
      await standIn.close();
      await services.db.close();
    },
  };
}

const sign = (extra: Partial<SignedPostOptions> = {}): SignedPostOptions => ({ signingSecret: SIGNING_SECRET, ...extra });

/** `/credits <text>` typed by a user, signed as Slack signs it. */
export async function slash(h: SlackHarness, user: SlackUser, text: string, extra: Partial<SignedPostOptions> = {}) {
  return slashAs(h, "/credits", user, text, extra);
}

/** A signed slash command under the named command (`/credits-admin` for the support tools). */
export async function slashAs(h: SlackHarness, command: string, user: SlackUser, text: string, extra: Partial<SignedPostOptions> = {}) {
  const responseUrl = h.standIn.newResponseUrl("commands");
  const triggerId = h.standIn.issueTrigger();
  const body = slashCommandBody({ teamId: h.standIn.teamId, user, command, text, responseUrl, triggerId, channelId: "C0GENERAL01" });
  const response = await postSigned(h.events, body, sign(extra));
  return { response, responseUrl, triggerId };
}

/** Waits for the n-th answer posted to a response_url. */
export async function answerAt(h: SlackHarness, responseUrl: string, n = 1) {
  return h.standIn.waitFor(() => h.standIn.responsesTo(responseUrl)[n - 1]?.body, 8000, `answer #${n} on ${responseUrl}`);
}

/** Waits for a successful views.open / views.push after `since` calls, returning the view and its id. */
export async function openedView(h: SlackHarness, since: number, method = "views.open"): Promise<{ id: string; view: SlackView }> {
  const call = await h.standIn.waitFor(() => h.standIn.callsOf(method).slice(since).find((c) => c.response.ok === true), 8000, `${method} after ${since}`);
  return { id: (call.response.view as { id: string }).id, view: call.args.view as SlackView };
}

export async function submitView(h: SlackHarness, user: SlackUser, opened: { id: string; view: SlackView }, values: Record<string, string | SlackFileObject[] | undefined>): Promise<AppResponse> {
  const payload = viewSubmissionPayload({
    teamId: h.standIn.teamId,
    user,
    viewId: opened.id,
    view: opened.view,
    values: stateFor(opened.view, values),
    triggerId: h.standIn.issueTrigger(),
  });
  return postSigned(h.events, interactionBody(payload), sign());
}

export function button(blocks: unknown, label: string): FoundButton {
  const found = buttonsIn(blocks as never).find((b) => b.text.text === label);
  expect(found, `a button labelled ${label}`).toBeDefined();
  return found!;
}

/** A click on a button of an ephemeral message (the answer to a command). */
export async function clickEphemeral(h: SlackHarness, user: SlackUser, found: FoundButton, channelId = "C0GENERAL01") {
  const responseUrl = h.standIn.newResponseUrl("actions");
  const triggerId = h.standIn.issueTrigger();
  const payload = blockActionsPayload({
    teamId: h.standIn.teamId,
    user,
    button: found,
    triggerId,
    container: { type: "message", channelId, messageTs: `${Math.floor(Date.now() / 1000)}.000001`, isEphemeral: true, responseUrl },
  });
  const response = await postSigned(h.events, interactionBody(payload), sign());
  return { response, responseUrl, triggerId };
}

/** A click on a button of a posted message (the support card). */
export async function clickMessage(h: SlackHarness, user: SlackUser, found: FoundButton, message: { channel: string; ts: string }, extra: Partial<SignedPostOptions> = {}) {
  const responseUrl = h.standIn.newResponseUrl("actions");
  const triggerId = h.standIn.issueTrigger();
  const payload = blockActionsPayload({
    teamId: h.standIn.teamId,
    user,
    button: found,
    triggerId,
    container: { type: "message", channelId: message.channel, messageTs: message.ts, responseUrl },
  });
  const response = await postSigned(h.events, interactionBody(payload), sign(extra));
  return { response, responseUrl, triggerId };
}

export async function openHome(h: SlackHarness, user: SlackUser) {
  const body = eventCallbackBody({
    teamId: h.standIn.teamId,
    event: { type: "app_home_opened", user: user.id, channel: "D0HOME00001", tab: "home", event_ts: `${(Date.now() / 1000).toFixed(6)}` },
  });
  return postSigned(h.events, body, sign({ contentType: "application/json" }));
}

/** Runs the real outbox with the Slack deliverer until nothing is due (bounded). */
export async function deliverAll(h: SlackHarness, rounds = 10): Promise<number> {
  let total = 0;
  for (let i = 0; i < rounds; i++) {
    const handled = await deliverDue({ prisma: h.services.prisma, deliverers: { slack: h.surface.deliverer }, render: outboxRenderer(h.services) });
    total += handled;
    if (handled === 0) break;
  }
  return total;
}

/** The balance of an account, from the ledger's cached buckets. */
export async function balanceOf(h: SlackHarness, userId: string): Promise<bigint> {
  const identity = await h.services.prisma.chatIdentity.findUnique({
    where: { platform_workspaceId_userId: { platform: "slack", workspaceId: h.standIn.teamId, userId } },
  });
  if (!identity) return 0n;
  const rows = await h.services.prisma.balance.findMany({ where: { accountId: identity.accountId } });
  return rows.reduce((sum, r) => sum + r.amount, 0n);
}

export const txHash = (n: number) => n.toString(16).padStart(64, "0");

/**
 * Drives one customer through Slack up to a submitted order (its card waiting in the outbox):
 * `/credits topup trc20 <amount>` → Submit proof → proof modal with a PNG.
 */
export async function proofSubmitted(h: SlackHarness, user: SlackUser, amount: string, hashSeed: number) {
  const command = await slash(h, user, `topup trc20 ${amount}`);
  expect(command.response.status).toBe(200);
  const instructions = await answerAt(h, command.responseUrl);
  const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: user.id, status: "pending" }, orderBy: { seq: "desc" } });
  const viewsBefore = h.standIn.callsOf("views.open").length;
  const click = await clickEphemeral(h, user, button(instructions.blocks, submitProofLabel(h, user)));
  const form = await openedView(h, viewsBefore);
  const png = h.standIn.addFile({ name: "paid.png", mimetype: "image/png", bytes: PNG_BYTES, user: user.id });
  const proof = await submitView(h, user, form, { txHash: txHash(hashSeed), screenshot: [png] });
  expect(proof.status).toBe(200);
  await answerAt(h, click.responseUrl);
  return order;
}

/** As proofSubmitted, then the outbox posts the card: returns the order and the card as posted. */
export async function submittedTopup(h: SlackHarness, user: SlackUser, amount: string, hashSeed: number) {
  const order = await proofSubmitted(h, user, amount, hashSeed);
  await deliverAll(h);
  const record = await h.services.prisma.supportCard.findUniqueOrThrow({ where: { cardKey_platform: { cardKey: `order:${order.id}`, platform: "slack" } } });
  const card = h.standIn.messagesIn(record.channelId).find((m) => m.ts === record.messageId)!;
  return { order, card };
}

/** The label of the Submit proof button in the user's language (as the stand-in reports it). */
function submitProofLabel(h: SlackHarness, user: SlackUser): string {
  const locale = h.standIn.localeOf(user.id);
  return translate(resolveLocale(locale), "topups.instructions.submit_proof");
}

/** Every table a refused or bad request could write to. */
export async function snapshot(h: SlackHarness) {
  const p = h.services.prisma;
  return {
    orders: await p.topupOrder.findMany({ orderBy: { seq: "asc" }, select: { id: true, status: true, txHash: true, screenshotSha256: true, decidedById: true } }),
    postings: await p.posting.count(),
    entries: await p.ledgerEntry.count(),
    outbox: await p.outboxMessage.count(),
    files: await p.storedFile.count(),
    accounts: await p.account.count(),
    balances: await p.balance.findMany({ orderBy: [{ accountId: "asc" }, { bucket: "asc" }] }),
  };
}
