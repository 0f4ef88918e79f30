import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { translate } from "../../src/i18n.ts";
import { formatUsd } from "../../src/ledger/money.ts";
import { parseCommandText } from "../../src/platforms/slack/commandText.ts";
import { decodeButtonValue } from "../../src/platforms/slack/invocations.ts";
import { screenshotLinks } from "../../src/platforms/slack/screenshots.ts";
import { PNG_BYTES } from "../helpers/services.ts";
import { blockActionsPayload, buttonsIn, interactionBody, postSigned, stateFor, textOf, viewSubmissionPayload, type SlackUser, type SlackView } from "../standins/slack.ts";
import { answerAt, balanceOf, button, openedView, openHome, SIGNING_SECRET, slash, startSlackHarness, submittedTopup, submitView, support, txHash, type SlackHarness } from "./harness.ts";

let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => {
  await h?.close();
});

async function publishedHome(user: SlackUser, since: number): Promise<{ id: string; view: SlackView }> {
  const call = await h.standIn.waitFor(
    () => h.standIn.callsOf("views.publish").slice(since).find((c) => c.args.user_id === user.id && c.response.ok === true),
    8000,
    `views.publish for ${user.id}`,
  );
  return { id: (call.response.view as { id: string }).id, view: call.args.view as SlackView };
}

describe("the App Home tab", () => {
  it("shows a customer their balance, recent orders and a Top up button that works from there", async () => {
    const user: SlackUser = { id: "U0HOMEUSR1", name: "hana" };
    const { order } = await submittedTopup(h, user, "20", 0x40e);

    const since = h.standIn.callsOf("views.publish").length;
    const opened = await openHome(h, user);
    expect(opened.status).toBe(200);
    const home = await publishedHome(user, since);
    expect(home.view.type).toBe("home");
    const text = textOf(home.view.blocks);
    expect(text).toContain(`*${translate("en", "balance.current")}*\n${formatUsd(await balanceOf(h, user.id))}`);
    expect(text).toContain(order.orderNo); // recent orders
    expect(text).not.toContain(translate("en", "slack.home.queue_title"));
    const topup = button(home.view.blocks, translate("en", "slack.home.topup"));
    // The balance reply brings its own Top up button; the Home shows one, at the top.
    const topups = buttonsIn(home.view.blocks).filter((b) => decodeButtonValue(b.value!)?.command === "topup");
    expect(topups).toHaveLength(1);
    expect(topups[0].action_id).toBe(topup.action_id);
    expect(buttonsIn(home.view.blocks).map((b) => decodeButtonValue(b.value!)?.command)).toContain("usage");

    // Top up from the Home tab: the form opens in a modal; without a response_url the
    // instructions replace the modal's content.
    const viewsBefore = h.standIn.callsOf("views.open").length;
    const triggerId = h.standIn.issueTrigger();
    const click = blockActionsPayload({ teamId: h.standIn.teamId, user, button: topup, triggerId, container: { type: "view", view: { ...home.view, id: home.id } } });
    expect((await postSigned(h.events, interactionBody(click), { signingSecret: SIGNING_SECRET })).status).toBe(200);
    const formCall = await h.standIn.waitFor(() => h.standIn.callsOf("views.open").slice(viewsBefore).find((c) => c.response.ok === true), 8000, "topup form");
    const form = { id: (formCall.response.view as { id: string }).id, view: formCall.args.view as SlackView };
    const submission = viewSubmissionPayload({
      teamId: h.standIn.teamId,
      user,
      viewId: form.id,
      view: form.view,
      values: stateFor(form.view, { method: "erc20", amount: "15" }),
      triggerId: h.standIn.issueTrigger(),
    });
    const ack = await postSigned(h.events, interactionBody(submission), { signingSecret: SIGNING_SECRET });
    expect(ack.json?.response_action).toBe("update");
    const result = (ack.json as { view: SlackView }).view;
    const newOrder = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: user.id, methodId: "erc20" } });
    expect(textOf(result.blocks)).toContain(newOrder.orderNo);
    expect(buttonsIn(result.blocks).map((b) => b.text.text)).toContain(translate("en", "topups.instructions.submit_proof"));
  });

  it("shows a support member the open queue as well", async () => {
    const since = h.standIn.callsOf("views.publish").length;
    await openHome(h, support);
    const home = await publishedHome(support, since);
    const text = textOf(home.view.blocks);
    expect(text).toContain(translate("en", "slack.home.queue_title"));
    const waiting = await h.services.prisma.topupOrder.findMany({ where: { status: "submitted" } });
    expect(waiting.length).toBeGreaterThan(0);
    for (const o of waiting) expect(text).toContain(o.orderNo);
  });
});

describe("slash command words", () => {
  it("fill the command's options in order, the last one taking the rest of the line", () => {
    expect(parseCommandText("topup trc20 10", registry)).toEqual({ command: "topup", args: { method: "trc20", amount: "10" } });
    expect(parseCommandText("  TOPUP  ", registry)).toEqual({ command: "topup", args: {} });
    expect(parseCommandText("", registry)).toEqual({ command: "help", args: {} });
    expect(parseCommandText("reject CD-1 other paid twice, see thread", registry)).toEqual({
      command: "reject",
      args: { order: "CD-1", reason: "other", note: "paid twice, see thread" },
    });
  });

  it("/credits help lists the commands, privately", async () => {
    const command = await slash(h, { id: "U0HELPUSR1", name: "hal" }, "help");
    expect(command.response.status).toBe(200);
    const answer = await answerAt(h, command.responseUrl);
    expect(answer.response_type).toBe("ephemeral");
    const text = textOf(answer.blocks as never);
    for (const name of ["topup", "proof", "balance", "history", "cancel"]) expect(text).toContain(`\`${name}`);
  });
});

describe("screenshot links on support cards", () => {
  it("serve the stored image to a valid link, and nothing to a forged or expired one", async () => {
    const sha = await h.services.files.put(PNG_BYTES);
    await h.services.prisma.storedFile.upsert({ where: { sha256: sha }, create: { sha256: sha, mime: "image/png", size: PNG_BYTES.length }, update: {} });
    const links = screenshotLinks("https://billing.example.test", SIGNING_SECRET);
    const local = (url: string) => url.replace("https://billing.example.test", h.base);

    const good = await fetch(local(links.urlFor(sha)!));
    expect(good.status).toBe(200);
    expect(good.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await good.arrayBuffer())).toEqual(PNG_BYTES);

    const forged = local(links.urlFor(sha)!).replace(/sig=[^&]+/, "sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    expect((await fetch(forged)).status).toBe(403);
    const otherFile = local(links.urlFor(sha)!).replace(sha, txHash(1));
    expect((await fetch(otherFile)).status).toBe(403);
    const eightDaysAgo = Date.now() - 8 * 24 * 3600 * 1000;
    const expired = screenshotLinks("https://billing.example.test", SIGNING_SECRET, () => eightDaysAgo).urlFor(sha)!;
    expect((await fetch(local(expired))).status).toBe(403);
    const otherSecret = screenshotLinks("https://billing.example.test", "another-secret-entirely").urlFor(sha)!;
    expect((await fetch(local(otherSecret))).status).toBe(403);
  });
});

describe("when the response_url has expired", () => {
  it("the answer to a modal is posted privately in the channel with chat.postEphemeral", async () => {
    const user: SlackUser = { id: "U0LATEUSR1", name: "lars" };
    const viewsBefore = h.standIn.callsOf("views.open").length;
    const command = await slash(h, user, "topup");
    const form = await openedView(h, viewsBefore);
    h.standIn.expireResponseUrl(command.responseUrl);
    const ack = await submitView(h, user, form, { method: "trc20", amount: "10" });
    expect(ack.status).toBe(200);
    const ephemeral = await h.standIn.waitFor(() => h.standIn.ephemerals.find((e) => e.user === user.id), 8000, "an ephemeral answer");
    expect(ephemeral.channel).toBe("C0GENERAL01");
    const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: user.id } });
    expect(textOf(ephemeral.blocks)).toContain(order.orderNo);
    expect(h.standIn.responsesTo(command.responseUrl)).toEqual([]);
  });
});
