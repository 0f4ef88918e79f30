import { ApplicationCommandOptionType, ComponentType, InteractionResponseType, MessageFlags, type APIMessage, type APIUser } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatUsd } from "../../src/ledger/money.ts";
import { translate } from "../../src/i18n.ts";
import type { OutboxMessageView } from "../../src/notify/outbox.ts";
import { createDiscordDeliverer, InvalidRequestBudget } from "../../src/platforms/discord/index.ts";
import { textReply } from "../../src/reply.ts";
import { PNG_BYTES } from "../helpers/services.ts";
import { attachmentOf, button, buttonsOf, drain, IDS, interact, newUser, randomHash, startHarness, textOf, type Answer, type Harness } from "./helpers.ts";

/**
 * The real discord.js client, logged in over the gateway stand-in, answering interactions through
 * the REST stand-in; the real commands on a real database; the real outbox delivering with the
 * Discord deliverer.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const support = newUser("Ada Support");
const asSupport = (locale = "en-US") => ({ user: support, roles: [IDS.supportRole], locale });

function expectPrompt(answer: Answer) {
  expect(answer.ackMs).toBeLessThan(3000);
  return answer;
}

async function orderFor(customer: APIUser, locale = "en-US"): Promise<{ orderNo: string; instructions: APIMessage }> {
  const answer = expectPrompt(
    await interact(h.standIn, h.standIn.slashCommand({ user: customer, roles: [IDS.memberRole], locale }, "topup", [
      { name: "method", value: "trc20" },
      { name: "amount", value: "10" },
    ])),
  );
  const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: customer.id }, orderBy: { createdAt: "desc" } });
  return { orderNo: order.orderNo, instructions: answer.message! };
}

/** Top-up and proof through the slash command's attachment option (the modal's fallback). */
async function submittedOrderFor(customer: APIUser, locale = "en-US"): Promise<string> {
  const { orderNo } = await orderFor(customer, locale);
  const screenshot = attachmentOf(h, "receipt.png", PNG_BYTES, "image/png");
  const answer = await interact(h.standIn, h.standIn.slashCommand({ user: customer, roles: [IDS.memberRole], locale }, "proof", [
    { name: "order", value: orderNo },
    { name: "tx_hash", value: randomHash() },
  ], { screenshot }));
  expect(answer.message?.flags ?? 0).toBe(answer.message!.flags! | MessageFlags.Ephemeral);
  const order = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
  expect(order.status).toBe("submitted");
  await drain(h);
  return orderNo;
}

async function cardOf(orderNo: string): Promise<APIMessage> {
  const order = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
  const card = await h.services.prisma.supportCard.findUniqueOrThrow({ where: { cardKey_platform: { cardKey: `order:${order.id}`, platform: "discord" } } });
  expect(card.channelId).toBe(IDS.supportChannelId);
  return h.standIn.messages.get(card.messageId)!;
}

async function balanceOf(customer: APIUser): Promise<bigint> {
  const identity = await h.services.prisma.chatIdentity.findUniqueOrThrow({ where: { platform_workspaceId_userId: { platform: "discord", workspaceId: "discord", userId: customer.id } } });
  const rows = await h.services.prisma.balance.findMany({ where: { accountId: identity.accountId } });
  return rows.reduce((sum, r) => sum + r.amount, 0n);
}

async function entriesFor(orderNo: string) {
  const order = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
  return h.services.prisma.ledgerEntry.findMany({ where: { accountId: order.accountId, type: { in: ["usdt_topup", "topup_bonus"] } } });
}

describe("Discord: the top-up lifecycle through the real discord.js client", () => {
  it("top-up → proof modal with a PNG → Confirm → edited card and DM → balance", async () => {
    const customer = newUser("Grace Customer");
    const { orderNo, instructions } = await orderFor(customer);
    expect(instructions.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(textOf(instructions)).toContain(orderNo);
    expect(buttonsOf(instructions).map((b) => b.customId)).toEqual([`cd:proof:order=${orderNo}`, `cd:cancel:order=${orderNo}`]);

    // "Submit proof" opens the modal: labels around a text input and the file upload component.
    const opened = expectPrompt(await interact(h.standIn, h.standIn.buttonClick({ user: customer, roles: [IDS.memberRole] }, instructions.id, `cd:proof:order=${orderNo}`)));
    expect(opened.callbackType).toBe(InteractionResponseType.Modal);
    const modal = opened.modal!;
    expect(modal.custom_id).toBe(`cf:proof:order=${orderNo}`);
    const inner = modal.components.map((c: any) => ({ top: c.type, type: c.component?.type, id: c.component?.custom_id }));
    expect(inner).toEqual([
      { top: ComponentType.Label, type: ComponentType.TextInput, id: "txHash" },
      { top: ComponentType.Label, type: ComponentType.FileUpload, id: "screenshot" },
    ]);

    const hash = randomHash();
    const png = attachmentOf(h, "payment.png", PNG_BYTES, "image/png");
    const submitted = expectPrompt(await interact(h.standIn, h.standIn.modalSubmit({ user: customer, roles: [IDS.memberRole] }, modal, { txHash: hash, screenshot: [png] }, instructions.id)));
    expect(textOf(submitted.message)).toContain(translate("en", "topups.proof.received", { order: orderNo }));
    const order = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
    expect(order.status).toBe("submitted");
    expect(order.txHash).toBe(`0x${hash}`);
    // The adapter fetched the bytes from the CDN at once; the core kept them by content hash.
    expect(await h.services.files.get(order.screenshotSha256!)).toEqual(PNG_BYTES);

    // The outbox posts the support card, with the screenshot and Confirm / Reject.
    await drain(h);
    const card = await cardOf(orderNo);
    expect(textOf(card)).toContain(orderNo);
    expect(card.attachments).toHaveLength(1);
    expect(card.embeds.some((e) => e.image?.url === `attachment://${card.attachments[0].filename}`)).toBe(true);
    expect(buttonsOf(card).map((b) => b.customId)).toEqual([`ck:confirm:order=${orderNo}`, `cd:reject:order=${orderNo}`]);

    // Confirm asks first (Discord has no native confirmation dialog), privately.
    const prompt = expectPrompt(await interact(h.standIn, h.standIn.buttonClick(asSupport(), card.id, `ck:confirm:order=${orderNo}`)));
    expect(prompt.message!.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(await entriesFor(orderNo)).toHaveLength(0);
    const yes = button(prompt.message, "cy:confirm:");
    const confirmed = expectPrompt(await interact(h.standIn, h.standIn.buttonClick(asSupport(), prompt.message!.id, yes)));
    // The answer takes the prompt's place, so its button cannot be clicked again.
    expect([InteractionResponseType.UpdateMessage, InteractionResponseType.DeferredMessageUpdate]).toContain(confirmed.callbackType);
    expect(confirmed.message!.id).toBe(prompt.message!.id);
    expect(confirmed.message!.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    // The order was told 10 USDT plus its unique suffix: that is the principal, and the bonus is 20% of it.
    const paid = order.instructedAmount;
    expect(paid > 10_000_000n && paid < 10_100_000n).toBe(true);
    expect(textOf(confirmed.message)).toContain(translate("en", "support.confirmed", { order: orderNo, principal: formatUsd(paid), bonus: formatUsd(paid / 5n) }));
    expect(buttonsOf(confirmed.message)).toEqual([]);

    const dmsBefore = h.standIn.callsTo("POST", /^\/channels\/\d+\/messages$/).filter((c) => c.path !== `/channels/${IDS.supportChannelId}/messages`).length;
    await drain(h);
    const edited = await cardOf(orderNo);
    expect(buttonsOf(edited)).toEqual([]);
    expect(edited.edited_timestamp).not.toBeNull();
    expect(edited.attachments).toHaveLength(1);
    expect(edited.embeds.some((e) => e.image?.url === `attachment://${edited.attachments[0].filename}`)).toBe(true);
    expect(textOf(edited)).toContain(translate("en", "topups.card.outcome_confirmed", { by: `Ada Support (${support.id})`, principal: formatUsd(paid), bonus: formatUsd(paid / 5n) }));

    const dmChannel = h.standIn.dmChannelOf(customer.id)!;
    const dms = h.standIn.messagesIn(dmChannel);
    expect(dms).toHaveLength(1);
    expect(textOf(dms[0])).toContain(orderNo);
    expect(h.standIn.callsTo("POST", /^\/channels\/\d+\/messages$/).filter((c) => c.path !== `/channels/${IDS.supportChannelId}/messages`)).toHaveLength(dmsBefore + 1);

    // Trial $1 + the principal paid + 20% bonus.
    expect(await balanceOf(customer)).toBe(1_000_000n + paid + paid / 5n);
    const balance = await interact(h.standIn, h.standIn.slashCommand({ user: customer, roles: [IDS.memberRole] }, "balance"));
    expect(balance.message!.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(textOf(balance.message)).toContain(formatUsd(1_000_000n + paid + paid / 5n));
  });

  it("a double click on Confirm credits once", async () => {
    const customer = newUser("Double Click");
    const orderNo = await submittedOrderFor(customer);
    const card = await cardOf(orderNo);
    const prompt = await interact(h.standIn, h.standIn.buttonClick(asSupport(), card.id, `ck:confirm:order=${orderNo}`));
    const yes = button(prompt.message, "cy:confirm:");
    const both = await Promise.all([
      interact(h.standIn, h.standIn.buttonClick(asSupport(), prompt.message!.id, yes)),
      interact(h.standIn, h.standIn.buttonClick(asSupport(), prompt.message!.id, yes)),
    ]);
    for (const a of both) expect(a.ackMs).toBeLessThan(3000);
    const entries = await entriesFor(orderNo);
    expect(entries.map((e) => e.type).sort()).toEqual(["topup_bonus", "usdt_topup"]);
    const { instructedAmount: paid } = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
    expect(await balanceOf(customer)).toBe(1_000_000n + paid + paid / 5n);
    const texts = both.map((a) => textOf(a.sent)).sort();
    const won = translate("en", "support.confirmed", { order: orderNo, principal: formatUsd(paid), bonus: formatUsd(paid / 5n) });
    const lost = translate("en", "errors.order_already_decided", { order: orderNo, status: "confirmed" });
    expect(texts.filter((t) => t.includes(won))).toHaveLength(1);
    expect(texts.filter((t) => t.includes(lost))).toHaveLength(1);
    await drain(h);
    expect(h.standIn.messagesIn(h.standIn.dmChannelOf(customer.id)!)).toHaveLength(1);
  });

  it("a click by a member without the support role is refused and writes nothing", async () => {
    const customer = newUser("Curious Customer");
    const orderNo = await submittedOrderFor(customer);
    const card = await cardOf(orderNo);
    const outboxBefore = await h.services.prisma.outboxMessage.count();
    const intruder = newUser("Not Support");
    const refused = expectPrompt(await interact(h.standIn, h.standIn.buttonClick({ user: intruder, roles: [IDS.memberRole] }, card.id, `ck:confirm:order=${orderNo}`)));
    expect(refused.message!.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(textOf(refused.message)).toContain(translate("en", "errors.not_support"));
    // Reject too: no modal for someone who may not decide.
    const rejectTry = await interact(h.standIn, h.standIn.buttonClick({ user: intruder, roles: [] }, card.id, `cd:reject:order=${orderNo}`));
    expect(rejectTry.callbackType).not.toBe(InteractionResponseType.Modal);
    expect(textOf(rejectTry.message)).toContain(translate("en", "errors.not_support"));

    const order = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
    expect(order.status).toBe("submitted");
    expect(await entriesFor(orderNo)).toHaveLength(0);
    expect(await h.services.prisma.outboxMessage.count()).toBe(outboxBefore);
    const refusals = await h.services.prisma.auditLog.findMany({ where: { actorId: intruder.id, outcome: "refused:not_support" } });
    expect(refusals.map((r) => r.action).sort()).toEqual(["topup.confirm", "topup.reject"]);
  });

  it("Reject with a reason, in zh-CN: a Chinese modal, a Chinese reply, the card edited, the customer told in Chinese", async () => {
    const customer = newUser("Li Customer");
    const orderNo = await submittedOrderFor(customer, "zh-CN");
    const card = await cardOf(orderNo);
    const opened = expectPrompt(await interact(h.standIn, h.standIn.buttonClick(asSupport("zh-CN"), card.id, `cd:reject:order=${orderNo}`)));
    expect(opened.callbackType).toBe(InteractionResponseType.Modal);
    const modal = opened.modal!;
    expect(modal.title).toBe(translate("zh-CN", "support.reject_form.title"));
    const reasonLabel = modal.components[0] as any;
    expect(reasonLabel.label).toBe(translate("zh-CN", "support.reject_form.reason"));
    expect(reasonLabel.component.type).toBe(ComponentType.StringSelect);
    expect(reasonLabel.component.options.map((o: any) => o.label)).toContain(translate("zh-CN", "topups.reject_reason.wrong_network"));

    const done = expectPrompt(await interact(h.standIn, h.standIn.modalSubmit(asSupport("zh-CN"), modal, { reason: "wrong_network", note: "请使用 TRC20 网络" }, card.id)));
    expect(textOf(done.message)).toContain(translate("zh-CN", "support.rejected", { order: orderNo, reason: translate("zh-CN", "topups.reject_reason.wrong_network") }));
    const order = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
    expect(order.status).toBe("rejected");
    expect(order.rejectReason).toBe("wrong_network");
    expect(order.rejectNote).toBe("请使用 TRC20 网络");

    await drain(h);
    const edited = await cardOf(orderNo);
    expect(buttonsOf(edited)).toEqual([]);
    expect(textOf(edited)).toContain(`Ada Support (${support.id})`);
    const dm = h.standIn.messagesIn(h.standIn.dmChannelOf(customer.id)!);
    expect(dm).toHaveLength(1);
    expect(textOf(dm[0])).toContain(translate("zh-CN", "topups.reject_reason.wrong_network"));
    expect(textOf(dm[0])).toContain("请使用 TRC20 网络");
    expect(await entriesFor(orderNo)).toHaveLength(0);
  });

  it("a file that is not an image is refused, with a way to try again, and nothing is written", async () => {
    const customer = newUser("Text File");
    const { orderNo, instructions } = await orderFor(customer);
    // `/credits proof` alone opens the same modal straight from the slash command.
    const opened = expectPrompt(await interact(h.standIn, h.standIn.slashCommand({ user: customer }, "proof")));
    expect(opened.callbackType).toBe(InteractionResponseType.Modal);
    expect(opened.modal!.custom_id).toBe(`cf:proof:order=${orderNo}`);
    const notAnImage = attachmentOf(h, "receipt.png", new TextEncoder().encode("this is not a picture, only text pretending to be one"), "image/png");
    const answer = expectPrompt(await interact(h.standIn, h.standIn.modalSubmit({ user: customer, roles: [] }, opened.modal!, { txHash: randomHash(), screenshot: [notAnImage] })));
    expect(answer.message!.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(textOf(answer.message)).toContain(translate("en", "errors.file_not_image"));
    expect(button(answer.message, "cd:proof:")).toBe(`cd:proof:order=${orderNo}`);
    const order = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
    expect(order.status).toBe("pending");
    expect(order.txHash).toBeNull();
    expect(await h.services.prisma.storedFile.count({ where: { size: notAnImage.size } })).toBe(0);

    // The same refusal through the slash command's attachment option.
    const viaOption = await interact(h.standIn, h.standIn.slashCommand({ user: customer }, "proof", [
      { name: "order", value: orderNo },
      { name: "tx_hash", value: randomHash() },
    ], { screenshot: attachmentOf(h, "notes.txt", new TextEncoder().encode("plain text"), "text/plain") }));
    expect(textOf(viaOption.message)).toContain(translate("en", "errors.file_not_image"));
    expect((await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } })).status).toBe("pending");
  });

  it("DMs blocked (50007): the DM is not retried and support gets a note instead", async () => {
    const customer = newUser("Closed DMs");
    h.standIn.blockDms(customer.id);
    const orderNo = await submittedOrderFor(customer);
    const card = await cardOf(orderNo);
    const prompt = await interact(h.standIn, h.standIn.buttonClick(asSupport(), card.id, `ck:confirm:order=${orderNo}`));
    await interact(h.standIn, h.standIn.buttonClick(asSupport(), prompt.message!.id, button(prompt.message, "cy:confirm:")));
    const notesBefore = h.standIn.messagesIn(IDS.supportChannelId).length;
    await drain(h);

    const dmChannel = h.standIn.dmChannelOf(customer.id)!;
    const attempts = h.standIn.callsTo("POST", new RegExp(`^/channels/${dmChannel}/messages$`));
    expect(attempts.map((c) => c.status)).toEqual([403]);
    const order = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
    const dmRow = await h.services.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: `order:${order.id}:dm:confirmed` } });
    expect(dmRow.status).toBe("dead");
    expect(dmRow.lastError).toContain("50007");

    const newInSupport = h.standIn.messagesIn(IDS.supportChannelId).slice(notesBefore);
    // The user's id as code: reply text mentions nobody (it would read as a ping to support).
    const note = newInSupport.find((m) => m.content.includes(`\`${customer.id}\``));
    expect(note).toBeDefined();
    expect(note!.content).toContain(orderNo);

    // Later rounds do not try the DM again.
    await drain(h);
    expect(h.standIn.callsTo("POST", new RegExp(`^/channels/${dmChannel}/messages$`))).toHaveLength(1);
  });

  it("429 with retry_after: the DM waits as Discord asks and is delivered once", async () => {
    const customer = newUser("Rate Limited");
    const orderNo = await submittedOrderFor(customer);
    const card = await cardOf(orderNo);
    const prompt = await interact(h.standIn, h.standIn.buttonClick(asSupport(), card.id, `ck:confirm:order=${orderNo}`));
    await interact(h.standIn, h.standIn.buttonClick(asSupport(), prompt.message!.id, button(prompt.message, "cy:confirm:")));
    const dmPath = /^\/channels\/\d+\/messages$/;
    const before = h.standIn.calls.length;
    h.standIn.rateLimitNext("POST", new RegExp(`^/channels/(?!${IDS.supportChannelId})\\d+/messages$`), 1, 1);
    const order = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { orderNo } });
    const key = `order:${order.id}:dm:confirmed`;

    const invalidBefore = h.surface.bot.budget.count();
    const started = Date.now();
    await drain(h);
    // The 429 counts toward the invalid-request budget the bot and the deliverer share.
    expect(h.surface.bot.budget.count()).toBe(invalidBefore + 1);
    let row = await h.services.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: key } });
    expect(row.status).toBe("pending");
    expect(row.lastError).toContain("rate limited");
    const limited = h.standIn.calls.slice(before).find((c) => c.status === 429)!;
    expect(row.nextAttemptAt.getTime() - limited.at).toBeGreaterThanOrEqual(1000);

    while (row.status !== "sent" && Date.now() - started < 8000) {
      await new Promise((r) => setTimeout(r, 200));
      await drain(h);
      row = await h.services.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: key } });
    }
    expect(row.status).toBe("sent");
    const dmCalls = h.standIn.calls.slice(before).filter((c) => c.method === "POST" && dmPath.test(c.path) && c.path !== `/channels/${IDS.supportChannelId}/messages`);
    expect(dmCalls.map((c) => c.status)).toEqual([429, 200]);
    expect(dmCalls[1].at - dmCalls[0].at).toBeGreaterThanOrEqual(1000);
    expect(h.standIn.messagesIn(h.standIn.dmChannelOf(customer.id)!)).toHaveLength(1);
  });

  it("past the invalid-request threshold, deliveries pause without calling Discord", async () => {
    const budget = new InvalidRequestBudget({ pauseAt: 2 });
    const cautious = createDiscordDeliverer(h.services, { token: IDS.token, supportChannelId: IDS.supportChannelId, api: h.standIn.apiUrl, budget });
    const blocked = newUser("Blocked Twice");
    h.standIn.blockDms(blocked.id);
    const dm = (n: number): OutboxMessageView => ({
      id: BigInt(900_000 + n), dedupeKey: `test:pause:${n}`, platform: "discord", kind: "dm", attempts: 1, createdAt: new Date(),
      recipient: { type: "user", workspaceId: "discord", userId: blocked.id }, payload: textReply(`message ${n}`),
    });
    expect((await cautious.deliver(dm(1))).status).toBe("failed");
    expect((await cautious.deliver(dm(2))).status).toBe("failed");
    expect(budget.count()).toBe(2);
    const callsBefore = h.standIn.calls.length;
    const paused = await cautious.deliver(dm(3));
    expect(paused).toMatchObject({ status: "retry", error: expect.stringContaining("paused") });
    expect((paused as { afterMs: number }).afterMs).toBeGreaterThan(500_000);
    expect(h.standIn.calls.length).toBe(callsBefore);
  });

  it("slow work is deferred within the deadline and the reply edited in; a form after a defer becomes a button", async () => {
    const bot = h.surface.bot;
    const saved = bot.options.deferAfterMs;
    bot.options.deferAfterMs = 0;
    try {
      const customer = newUser("Deferred");
      const balance = await interact(h.standIn, h.standIn.slashCommand({ user: customer, locale: "zh-CN" }, "balance"));
      expect(balance.callbackType).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
      expect(balance.record.callbacks[0].data.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
      expect(balance.ackMs).toBeLessThan(3000);
      expect(textOf(balance.message)).toContain(translate("zh-CN", "balance.title"));
      expect(balance.message!.flags! & MessageFlags.Loading).toBe(0);

      const form = await interact(h.standIn, h.standIn.slashCommand({ user: customer }, "topup"));
      expect(form.callbackType).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
      const open = button(form.message, "cd:topup:");
      bot.options.deferAfterMs = saved;
      const modal = await interact(h.standIn, h.standIn.buttonClick({ user: customer }, form.message!.id, open));
      expect(modal.callbackType).toBe(InteractionResponseType.Modal);
      expect(modal.modal!.custom_id).toBe("cf:topup:");
      const created = await interact(h.standIn, h.standIn.modalSubmit({ user: customer }, modal.modal!, { method: "erc20", amount: "25" }, form.message!.id));
      const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: customer.id } });
      expect(order.methodId).toBe("erc20");
      expect(order.requestedAmount).toBe(25_000_000n);
      expect(textOf(created.message)).toContain(order.orderNo);

      // A deferred "yes" of a confirmation prompt acknowledges as an update, then edits the prompt.
      bot.options.deferAfterMs = 0;
      const orderNo = await submittedOrderFor(newUser("Deferred Confirm"));
      const prompt = await interact(h.standIn, h.standIn.buttonClick(asSupport(), (await cardOf(orderNo)).id, `ck:confirm:order=${orderNo}`));
      const yes = await interact(h.standIn, h.standIn.buttonClick(asSupport(), prompt.message!.id, button(prompt.message, "cy:confirm:")));
      expect(yes.callbackType).toBe(InteractionResponseType.DeferredMessageUpdate);
      expect(yes.message!.id).toBe(prompt.message!.id);
      expect(textOf(yes.message)).toContain(orderNo);
      expect(buttonsOf(yes.message)).toEqual([]);
      expect(await entriesFor(orderNo)).toHaveLength(2);
    } finally {
      bot.options.deferAfterMs = saved;
    }
  });

  it("/credits-admin: refused to a member without the support role, nothing written; support's queue gives each order its own section and its own row of buttons, across the reply and follow-ups", async () => {
    // Ten more orders waiting: two customers, five each (the most one customer may have open).
    for (const name of ["Queue One", "Queue Two"]) {
      const customer = newUser(name);
      for (let i = 0; i < 5; i++) await submittedOrderFor(customer);
    }
    const admin = <T extends { data: object }>(payload: T): T => ({ ...payload, data: { ...payload.data, name: "credits-admin" } });
    const waiting = await h.services.prisma.topupOrder.findMany({ where: { status: "submitted" }, orderBy: [{ submittedAt: "asc" }, { seq: "asc" }] });
    expect(waiting.length).toBeGreaterThanOrEqual(10);

    // Seeing the command is not the right to run it: dispatch checks the member's roles.
    const intruder = newUser("Admin Command Intruder");
    const outboxBefore = await h.services.prisma.outboxMessage.count();
    const refused = await interact(h.standIn, admin(h.standIn.slashCommand({ user: intruder, roles: [IDS.memberRole] }, "confirm", [{ name: "order", value: waiting[0].orderNo }])));
    expect(textOf(refused.message)).toContain(translate("en", "errors.not_support"));
    expect((await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { id: waiting[0].id } })).status).toBe("submitted");
    expect(await h.services.prisma.outboxMessage.count()).toBe(outboxBefore);

    const payload = admin(h.standIn.slashCommand(asSupport(), "queue"));
    const answer = expectPrompt(await interact(h.standIn, payload));
    // The first page of the queue (src/views/queueView.ts, QUEUE_PAGE_SIZE).
    const shown = waiting.slice(0, 10);
    const followUps = () => h.standIn.callsTo("POST", new RegExp(`^/webhooks/\\d+/${payload.token}$`)).filter((c) => c.status === 200).map((c) => c.body);
    const rowsIn = (bodies: any[]) => bodies.flatMap((b) => (b.components ?? []).filter((c: any) => c.type === ComponentType.ActionRow));
    await h.standIn.waitFor(() => rowsIn([answer.sent, ...followUps()]).length >= shown.length, "every order's row of buttons");
    const messages = [answer.sent!, ...followUps()];
    expect(messages.length).toBeGreaterThan(1);

    const sections: { order: string; buttons: string[] }[] = [];
    for (const message of messages) {
      expect(message.flags! & MessageFlags.IsComponentsV2).toBe(MessageFlags.IsComponentsV2);
      expect(message.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
      const top = message.components as any[];
      top.forEach((component, index) => {
        if (component.type !== ComponentType.ActionRow) return;
        // The pager's row (next page) follows the orders; it decides no order.
        if (component.components.every((b: any) => b.custom_id.startsWith("cd:queue:"))) return;
        const text: string = top[index - 1].content;
        const order = /CD-\d{6}/.exec(text.split("\n").at(-1)!)![0];
        sections.push({ order, buttons: component.components.map((b: any) => b.custom_id) });
      });
    }
    // Every order shown, in queue order, each with the buttons that decide that order and no other.
    expect(sections.map((s) => s.order)).toEqual(shown.map((o) => o.orderNo));
    for (const section of sections) expect(section.buttons).toEqual([`ck:confirm:order=${section.order}`, `cd:reject:order=${section.order}`]);

    // A click on a section's button in a follow-up decides that section's order.
    const last = sections.at(-1)!;
    const followUpMessage = [...h.standIn.messages.values()].find((m) => (m.components ?? []).some((c: any) => c.components?.some((b: any) => b.custom_id === `ck:confirm:order=${last.order}`)));
    expect(followUpMessage).toBeDefined();
    const prompt = await interact(h.standIn, h.standIn.buttonClick(asSupport(), followUpMessage!.id, `ck:confirm:order=${last.order}`));
    expect(JSON.stringify(prompt.sent)).toContain(`cy:confirm:order=${last.order}`);
  });

  it("no call to Discord failed except the ones the stand-in was told to fail", () => {
    const unexpected = h.standIn.calls.filter((c) => c.status >= 400 && !(c.status === 403 && /^\/channels\/\d+\/messages$/.test(c.path)) && c.status !== 429);
    expect(unexpected.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([]);
    expect(h.standIn.calls.filter((c) => c.status === 0)).toEqual([]);
    expect(h.standIn.identifies).toHaveLength(1);
    expect(h.standIn.identifies[0].intents).toBe(1);
    expect(h.standIn.gatewayQueries[0]).toBe("/?v=10&encoding=json");
  });
});
