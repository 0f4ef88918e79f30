import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { formatUsd } from "../../src/ledger/money.ts";
import { PNG_BYTES } from "../helpers/services.ts";
import { buttonsIn, textOf } from "../standins/slack.ts";
import {
  answerAt,
  balanceOf,
  button,
  clickEphemeral,
  clickMessage,
  customer,
  deliverAll,
  openedView,
  slash,
  startSlackHarness,
  submitView,
  support,
  SUPPORT_CHANNEL,
  txHash,
  type SlackHarness,
} from "./harness.ts";

let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("a top-up from /credits to the credited balance, through Slack", () => {
  it("topup → modal → instructions → proof modal with a PNG → card → Confirm → card updated, DM sent, balance right", async () => {
    const { standIn } = h;

    // 1. /credits topup: acknowledged at once with an empty body, then the form opens.
    const viewsBefore = standIn.callsOf("views.open").length;
    const command = await slash(h, customer, "topup");
    expect(command.response.status).toBe(200);
    expect(command.response.text).toBe("");
    const topupForm = await openedView(h, viewsBefore);
    expect(standIn.callsOf("views.open").at(-1)!.token).toBe(standIn.botToken);
    const inputs = topupForm.view.blocks.filter((b: { type: string }) => b.type === "input");
    expect(inputs.map((b: { element: { action_id: string; type: string } }) => [b.element.action_id, b.element.type])).toEqual([
      ["method", "static_select"],
      ["amount", "plain_text_input"],
    ]);
    // The locale came from users.info with include_locale.
    const info = standIn.callsOf("users.info").find((c) => c.args.user === customer.id);
    expect(info?.args.include_locale).toBe("true");

    // 2. The form is submitted: the modal closes and the instructions go to the command's response_url.
    const submitted = await submitView(h, customer, topupForm, { method: "trc20", amount: "25" });
    expect(submitted.status).toBe(200);
    expect(submitted.text).toBe("");
    const instructions = await answerAt(h, command.responseUrl);
    expect(instructions.response_type).toBe("ephemeral");
    const order = await h.services.prisma.topupOrder.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(order).toMatchObject({ status: "pending", requestedAmount: 25_000_000n, surface: "slack", customerUserId: customer.id, customerWorkspace: standIn.teamId });
    const instructionText = textOf(instructions.blocks as never);
    expect(instructionText).toContain(order.orderNo);
    expect(instructionText).toContain("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");

    // 3. "Submit proof" on the ephemeral instructions opens the proof modal with a file input.
    const proofButton = button(instructions.blocks, translate("en", "topups.instructions.submit_proof"));
    const proofViewsBefore = standIn.callsOf("views.open").length;
    const click = await clickEphemeral(h, customer, proofButton);
    expect(click.response.status).toBe(200);
    const proofForm = await openedView(h, proofViewsBefore);
    const fileInput = proofForm.view.blocks.find((b: { element?: { type: string } }) => b.element?.type === "file_input");
    expect(fileInput.element).toMatchObject({ action_id: "screenshot", filetypes: ["png", "jpg", "jpeg", "webp", "gif"], max_files: 1 });

    // 4. Submit the hash and a real PNG uploaded to "Slack": the app downloads it with the bot token.
    const png = standIn.addFile({ name: "payment.png", mimetype: "image/png", bytes: PNG_BYTES, user: customer.id });
    const proof = await submitView(h, customer, proofForm, { txHash: txHash(0xa11ce), screenshot: [png] });
    expect(proof.status).toBe(200);
    expect(proof.text).toBe("");
    expect(standIn.fileDownloads).toEqual([{ fileId: png.id, authorized: true }]);
    const received = await answerAt(h, click.responseUrl);
    expect(textOf(received.blocks as never)).toBe(translate("en", "topups.proof.received", { order: order.orderNo }));
    const submittedOrder = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { id: order.id } });
    expect(submittedOrder.status).toBe("submitted");
    expect(submittedOrder.txHash?.replace(/^0x/, "")).toBe(txHash(0xa11ce));
    expect(await h.services.files.get(submittedOrder.screenshotSha256!)).toEqual(PNG_BYTES);

    // 5. The outbox posts the card in the support channel and records where it is.
    await deliverAll(h);
    const cards = standIn.messagesIn(SUPPORT_CHANNEL);
    expect(cards).toHaveLength(1);
    const card = cards[0];
    expect(textOf(card.blocks)).toContain(order.orderNo);
    const cardButtons = buttonsIn(card.blocks).map((b) => b.text.text);
    expect(cardButtons).toEqual(expect.arrayContaining([translate("en", "topups.card.confirm"), translate("en", "topups.card.reject")]));
    const confirmButton = button(card.blocks, translate("en", "topups.card.confirm"));
    expect(confirmButton.confirm).toBeDefined();
    // The screenshot is a signed link to our own web server, never Slack's expiring file URL.
    expect(textOf(card.blocks)).toMatch(/https:\/\/billing\.example\.test\/slack\/screenshots\/[0-9a-f]{64}\?exp=\d+&sig=/);
    expect(await h.services.prisma.supportCard.findUnique({ where: { cardKey_platform: { cardKey: `order:${order.id}`, platform: "slack" } } })).toMatchObject({
      channelId: SUPPORT_CHANNEL,
      messageId: card.ts,
    });

    // 6. A support member confirms (the dialog was accepted in Slack): a short private answer.
    const before = await balanceOf(h, customer.id);
    const confirm = await clickMessage(h, support, confirmButton, card);
    expect(confirm.response.status).toBe(200);
    const confirmed = await answerAt(h, confirm.responseUrl);
    expect(confirmed).toMatchObject({ response_type: "ephemeral", replace_original: false });
    expect(textOf(confirmed.blocks as never)).toContain(order.orderNo);
    // 25 USDT plus the order's unique suffix as principal, and 20% of it as bonus.
    const paid = order.instructedAmount;
    expect(paid > 25_000_000n && paid < 25_100_000n).toBe(true);
    expect((await balanceOf(h, customer.id)) - before).toBe(paid + paid / 5n);

    // 7. The outbox edits the card in place (no buttons, outcome and who decided) and DMs the customer.
    await deliverAll(h);
    expect(standIn.messagesIn(SUPPORT_CHANNEL)).toHaveLength(1);
    expect(card.edits).toBe(1);
    expect(buttonsIn(card.blocks)).toEqual([]);
    const cardText = textOf(card.blocks);
    expect(cardText).toContain("✅");
    expect(cardText).toContain(support.id);
    const dmChannel = standIn.dmChannelOf(customer.id);
    expect(dmChannel).toMatch(/^D/);
    const dms = standIn.messagesIn(dmChannel!);
    expect(dms).toHaveLength(1);
    expect(textOf(dms[0].blocks)).toBe(
      translate("en", "topups.dm.confirmed", { order: order.orderNo, principal: formatUsd(paid), bonus: formatUsd(paid / 5n), total: formatUsd(paid + paid / 5n) }),
    );
  });
});
