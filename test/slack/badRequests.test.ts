import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { PNG_BYTES } from "../helpers/services.ts";
import { postSigned, signSlackRequest, slashCommandBody, textOf, type SlackUser } from "../standins/slack.ts";
import {
  answerAt,
  button,
  clickEphemeral,
  clickMessage,
  customer,
  openedView,
  SIGNING_SECRET,
  slash,
  snapshot,
  startSlackHarness,
  submittedTopup,
  submitView,
  support,
  txHash,
  type SlackHarness,
} from "./harness.ts";

let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness({ env: { SCREENSHOT_MAX_BYTES: String(16 * 1024) } });
  // The first contact creates the account and its trial credit: before measuring "nothing written".
  const first = await slash(h, customer, "balance");
  await answerAt(h, first.responseUrl);
});
afterAll(async () => {
  await h?.close();
});

describe("requests Slack did not sign are refused with 401 and write nothing", () => {
  it("a forged signature on a slash command", async () => {
    const before = await snapshot(h);
    const calls = h.standIn.calls.length;
    const forged = await slash(h, customer, "topup trc20 25", { signature: `v0=${"0".repeat(64)}` });
    expect(forged.response.status).toBe(401);
    // Signed with another secret: just as forged.
    const other = await slash(h, customer, "topup trc20 25", { signingSecret: "not-the-signing-secret" });
    expect(other.response.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.standIn.responsesTo(forged.responseUrl)).toEqual([]);
    expect(h.standIn.calls.length).toBe(calls);
    expect(await snapshot(h)).toEqual(before);
  });

  it("a replayed request: correctly signed, but its timestamp is more than 5 minutes old", async () => {
    const { order, card } = await submittedTopup(h, { id: "U0REPLAY01", name: "ray" }, "30", 0x5e1);
    const before = await snapshot(h);
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const replayed = await clickMessage(h, support, button(card.blocks, translate("en", "topups.card.confirm")), card, { timestampSeconds: sixMinutesAgo });
    expect(replayed.response.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.standIn.responsesTo(replayed.responseUrl)).toEqual([]);
    expect(await snapshot(h)).toEqual(before);
    expect((await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("submitted");
  });

  it("a body changed after signing", async () => {
    const body = slashCommandBody({ teamId: h.standIn.teamId, user: customer, command: "/credits", text: "balance", responseUrl: h.standIn.newResponseUrl(), triggerId: h.standIn.issueTrigger() });
    const headers = signSlackRequest(SIGNING_SECRET, body);
    const tampered = body.replace("balance", "topup+trc20+99");
    const response = await fetch(h.events, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: tampered });
    expect(response.status).toBe(401);
  });
});

describe("modal validation errors come back on the right field, and nothing is written", () => {
  it("top-up amounts", async () => {
    const viewsBefore = h.standIn.callsOf("views.open").length;
    const command = await slash(h, customer, "topup");
    expect(command.response.status).toBe(200);
    const form = await openedView(h, viewsBefore);
    const cases: [string, string][] = [
      ["abc", translate("en", "errors.amount_format", { value: "abc" })],
      ["10.1234567", translate("en", "errors.amount_decimals", { max: 6 })],
      ["5", translate("en", "errors.amount_below_minimum", { minimum: "$10.00" })],
    ];
    for (const [amount, message] of cases) {
      const before = await snapshot(h);
      const ack = await submitView(h, customer, form, { method: "trc20", amount });
      expect(ack.status).toBe(200);
      expect(ack.json, amount).toEqual({ response_action: "errors", errors: { f_amount: message } });
      expect(await snapshot(h)).toEqual(before);
    }
    // Nothing went to the channel: the modal stayed open with its errors.
    expect(h.standIn.responsesTo(command.responseUrl)).toEqual([]);
  });

  it("a malformed transaction hash, and a non-image file on the file field", async () => {
    const user: SlackUser = { id: "U0BADPROOF", name: "bea" };
    const command = await slash(h, user, "topup trc20 12");
    const instructions = await answerAt(h, command.responseUrl);
    const viewsBefore = h.standIn.callsOf("views.open").length;
    await clickEphemeral(h, user, button(instructions.blocks, translate("en", "topups.instructions.submit_proof")));
    const form = await openedView(h, viewsBefore);
    const png = h.standIn.addFile({ name: "ok.png", mimetype: "image/png", bytes: PNG_BYTES, user: user.id });
    const before = await snapshot(h);

    const badHash = await submitView(h, user, form, { txHash: "not-a-hash", screenshot: [png] });
    expect(badHash.json).toEqual({ response_action: "errors", errors: { f_txHash: translate("en", "errors.tx_hash_format") } });

    // A text file that claims to be a PNG by name and type: the content decides.
    const fake = h.standIn.addFile({ name: "receipt.png", mimetype: "image/png", bytes: new TextEncoder().encode("this is not a picture\n"), user: user.id });
    const notImage = await submitView(h, user, form, { txHash: txHash(0xf00d), screenshot: [fake] });
    expect(notImage.json).toEqual({ response_action: "errors", errors: { f_screenshot: translate("en", "errors.file_not_image") } });

    const huge = h.standIn.addFile({ name: "big.png", mimetype: "image/png", bytes: new Uint8Array([...PNG_BYTES, ...new Uint8Array(20 * 1024)]), user: user.id });
    const tooLarge = await submitView(h, user, form, { txHash: txHash(0xf00d), screenshot: [huge] });
    expect(Object.keys((tooLarge.json as { errors: object }).errors)).toEqual(["f_screenshot"]);

    expect(await snapshot(h)).toEqual(before);
    const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: user.id } });
    expect(order.status).toBe("pending");
  });

  it("a file Slack will not give us (download refused) is an error on the file field", async () => {
    const user: SlackUser = { id: "U0NOFILE01", name: "nils" };
    const command = await slash(h, user, "topup trc20 11");
    const instructions = await answerAt(h, command.responseUrl);
    const viewsBefore = h.standIn.callsOf("views.open").length;
    await clickEphemeral(h, user, button(instructions.blocks, translate("en", "topups.instructions.submit_proof")));
    const form = await openedView(h, viewsBefore);
    const png = h.standIn.addFile({ name: "ok.png", mimetype: "image/png", bytes: PNG_BYTES, user: user.id });
    // A file object whose link points away from Slack: the bot token must not be sent there.
    const elsewhere = { ...png, url_private_download: "https://attacker.example/steal.png" };
    const ack = await submitView(h, user, form, { txHash: txHash(0xfeed), screenshot: [elsewhere] });
    expect(ack.json).toEqual({ response_action: "errors", errors: { f_screenshot: translate("en", "slack.file_download_failed") } });
  });

  it("an unknown sub-command answers with the error, privately", async () => {
    const before = await snapshot(h);
    const command = await slash(h, customer, "tpoup 10");
    const answer = await answerAt(h, command.responseUrl);
    expect(answer.response_type).toBe("ephemeral");
    expect(textOf(answer.blocks as never)).toContain(translate("en", "errors.unknown_command", { name: "tpoup" }));
    expect(await snapshot(h)).toEqual(before);
  });

  it("a signed body that is not a valid payload is refused without writing anything", async () => {
    const before = await snapshot(h);
    const response = await postSigned(h.events, "payload=%7Bnot-json", { signingSecret: SIGNING_SECRET });
    expect(response.status).toBe(400);
    expect(await snapshot(h)).toEqual(before);
  });
});
