import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { textOf, type SlackUser } from "../standins/slack.ts";
import { answerAt, slash, slashAs, snapshot, startSlackHarness, submittedTopup, support, type SlackHarness } from "./harness.ts";

/**
 * The two slash commands through the real Bolt receiver, with signed requests: the support tools
 * under /credits-admin, support commands typed under /credits, and the escaped mentions Slack sends
 * with should_escape: true.
 */
let h: SlackHarness;
const alice: SlackUser = { id: "U0ALICE0001", name: "alice" };
const bob: SlackUser = { id: "U0BOB000001", name: "bob" };

beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => {
  await h?.close();
});

async function answerText(command: Promise<{ response: { status: number }; responseUrl: string }>) {
  const sent = await command;
  expect(sent.response.status).toBe(200);
  const answer = await answerAt(h, sent.responseUrl);
  return { answer, text: textOf(answer.blocks as never) };
}

const accountOf = async (userId: string) => (await h.services.prisma.chatIdentity.findFirstOrThrow({ where: { platform: "slack", userId } })).accountId;

describe("the support command /credits-admin", () => {
  it("looks up `account @alice` as Slack escapes it, <@U…|alice>, and the bare <@U…> too", async () => {
    await answerText(slash(h, alice, "balance"));
    await answerText(slash(h, bob, "balance"));
    const aliceAccount = await accountOf(alice.id);
    const bobAccount = await accountOf(bob.id);

    for (const typed of [`account <@${alice.id}|alice>`, `account <@${alice.id}>`]) {
      const { text } = await answerText(slashAs(h, "/credits-admin", support, typed));
      expect(text).toContain(translate("en", "support_tools.account.title", { id: aliceAccount }));
      expect(text).not.toContain(bobAccount);
    }
    const audits = await h.services.prisma.auditLog.findMany({ where: { action: "account.lookup", actorId: support.id }, orderBy: { id: "asc" } });
    expect(audits.map((a) => [a.accountId, a.outcome])).toEqual([
      [aliceAccount, "ok"],
      [aliceAccount, "ok"],
    ]);
  });

  it("runs the support commands for support, and refuses a customer who finds it, writing nothing", async () => {
    const { order } = await submittedTopup(h, alice, "20", 0x5a1);
    const queue = await answerText(slashAs(h, "/credits-admin", support, "queue"));
    expect(queue.text).toContain(order.orderNo);
    // How long it has waited, counted by each reader's Slack: "12 minutes ago".
    const submitted = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { id: order.id } });
    const waitedSince = submitted.submittedAt ?? submitted.createdAt;
    expect(queue.text).toContain(`<!date^${Math.floor(waitedSince.getTime() / 1000)}^{ago}|${waitedSince.toISOString().slice(0, 16).replace("T", " ")} UTC>`);

    const before = await snapshot(h);
    const refused = await answerText(slashAs(h, "/credits-admin", bob, `confirm ${order.orderNo}`));
    expect(refused.text).toContain(translate("en", "errors.not_support"));
    expect(refused.answer.response_type).toBe("ephemeral");
    expect(await snapshot(h)).toEqual(before);
  });
});

describe("text Slack escapes (should_escape: true)", () => {
  it("reaches the command as it was typed: entities decoded, links and channels as their text", async () => {
    const { order } = await submittedTopup(h, bob, "15", 0x5b2);
    // What Slack sends for: reject <order> other paid twice & late, see tronscan.org/#/transaction/ab in #billing <3
    const typed = `reject ${order.orderNo} other paid twice &amp; late, see <http://tronscan.org/#/transaction/ab|tronscan.org/#/transaction/ab> in <#C0BILLING01|billing> &lt;3`;
    await answerText(slashAs(h, "/credits-admin", support, typed));
    const decided = await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { id: order.id } });
    expect(decided.status).toBe("rejected");
    expect(decided.rejectNote).toBe("paid twice & late, see tronscan.org/#/transaction/ab in #billing <3");
    expect((await reconcile(h.services.prisma)).mismatches).toEqual([]);
  });
});

describe("support commands typed under the customer command /credits", () => {
  it("still work for support (the usage hint no longer shows them, habit still types them)", async () => {
    const waiting = await h.services.prisma.topupOrder.findMany({ where: { status: "submitted" } });
    expect(waiting.length).toBeGreaterThan(0);
    const { text } = await answerText(slash(h, support, "queue"));
    for (const o of waiting) expect(text).toContain(o.orderNo);
    const lookup = await answerText(slash(h, support, `account <@${bob.id}|bob>`));
    expect(lookup.text).toContain(translate("en", "support_tools.account.title", { id: await accountOf(bob.id) }));
  });

  it("are refused to a customer with the support-only message, and nothing changes", async () => {
    const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { status: "submitted" } });
    const before = await snapshot(h);
    for (const typed of [`confirm ${order.orderNo}`, "queue", `account <@${alice.id}|alice>`]) {
      const { text } = await answerText(slash(h, bob, typed));
      expect(text, typed).toContain(translate("en", "errors.not_support"));
      expect(text, typed).not.toContain(order.orderNo);
    }
    expect(await snapshot(h)).toEqual(before);
    expect((await reconcile(h.services.prisma)).mismatches).toEqual([]);
  });
});

describe("times in command answers", () => {
  it("are Slack date tokens, shown in each reader's own zone, with UTC as the fallback", async () => {
    const { text } = await answerText(slash(h, alice, "history"));
    const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: alice.id } });
    const unix = Math.floor(order.createdAt.getTime() / 1000);
    expect(text).toContain(`<!date^${unix}^{date_short_pretty}|${order.createdAt.toISOString().slice(0, 10)} UTC>`);
  });
});
