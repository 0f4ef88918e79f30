import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { textOf, type SlackUser } from "../standins/slack.ts";
import { answerAt, button, clickEphemeral, slash, startSlackHarness, support, type SlackHarness } from "../slack/harness.ts";
import { accountOf, codesIn, codesStoredInClear, csvRows, expectReconciled, failuresOf, USD, written } from "./fixtures.ts";

/**
 * Redemption codes through Slack's real Bolt receiver (signed requests) against the Web API
 * stand-in: support types `/credits codes create …` (name=value words included), reads the codes
 * once in the private answer and gets the CSV in their direct messages with the app; customers
 * `/credits redeem`; the batch is disabled from its Disable button.
 */
let h: SlackHarness;
/** Moves the bot's clock forward (expiry, account age); Slack's request signatures keep real time. */
let shift = 0;
beforeAll(async () => {
  // Time runs as it does, but from the start of a failure window: the test never straddles two.
  const started = Date.now();
  const anchor = Math.floor(started / 600_000) * 600_000 + 1000;
  h = await startSlackHarness({ env: { TRIAL_STAGE1_USD: "0" }, now: () => new Date(anchor + Date.now() - started + shift) });
});
afterEach(async () => {
  await expectReconciled(h.services);
});
afterAll(async () => {
  await h?.close();
});

const en = (key: string, params: Record<string, string | number> = {}) => translate("en", key, params);

async function ask(user: SlackUser, text: string): Promise<{ text: string; blocks: unknown; responseUrl: string }> {
  const command = await slash(h, user, text);
  expect(command.response.status).toBe(200);
  const answer = await answerAt(h, command.responseUrl);
  expect(answer.response_type).toBe("ephemeral");
  return { text: textOf(answer.blocks as never), blocks: answer.blocks, responseUrl: command.responseUrl };
}

describe("Slack: redemption codes", () => {
  it("support makes a batch (codes in the private answer, the CSV in their DM), customers redeem, support disables it from its button", async () => {
    const made = await ask(support, "codes create 4 2 30d eligible=new note=slack launch");
    const batch = /RC-\d{6}/.exec(made.text)![0];
    expect(made.text).toContain(en("codes.created.title", { batch, count: 2, amount: "$4.00" }));
    expect(made.text).toContain(`${en("codes.field.eligible")}`);
    expect(made.text).toContain(en("codes.eligibility.new", { days: 7 }));
    expect(made.text).toContain("slack launch");
    const codes = codesIn(made.text);
    expect(codes).toHaveLength(2);
    expect(made.text).toContain(en("usage_view.attachment.sent_to_dm", { title: en("codes.file.title", { batch }) }));

    // The CSV went to the support member's DM with the app, and holds exactly those codes; the
    // message that introduces it names the batch, never a code.
    const dm = h.standIn.dmChannelOf(support.id)!;
    const [file] = h.standIn.sharedFiles.filter((f) => f.channel === dm);
    expect(file).toMatchObject({ filename: `redemption-codes-${batch}.csv`, title: en("codes.file.title", { batch }) });
    expect(csvRows(new TextDecoder().decode(file.bytes)).slice(1).map((r) => r[2])).toEqual(codes);
    expect(codesIn(file.initialComment ?? "")).toEqual([]);
    expect(await codesStoredInClear(h.services, codes)).toEqual([]);

    // Typed as people type what they read: lower case, spaces instead of dashes.
    const rita: SlackUser = { id: "U0REDEEM01", name: "rita" };
    const redeemed = await ask(rita, `redeem ${codes[0].toLowerCase().replace(/-/g, " ")}`);
    expect(redeemed.text).toContain(en("codes.redeemed", { amount: "$4.00", batch, balance: "$4.00" }));

    const before = await written(h.services);
    const again = await ask(rita, `redeem ${codes[0]}`);
    expect(again.text).toContain(en("codes.errors.already_redeemed"));
    expect(await written(h.services)).toEqual(before);

    // A customer cannot run the support command.
    const intruder = await ask(rita, "codes create 100 100");
    expect(intruder.text).toContain(en("errors.not_support"));

    const shown = await ask(support, `codes show ${batch}`);
    expect(shown.text).toContain(en("codes.redeemed_of", { redeemed: 1, capacity: 2 }));
    const click = await clickEphemeral(h, support, button(shown.blocks, en("codes.actions.disable")));
    expect(click.response.status).toBe(200);
    const disabled = await answerAt(h, click.responseUrl);
    expect(textOf(disabled.blocks as never)).toContain(en("codes.disabled", { batch, redeemed: 1 }));

    const sam: SlackUser = { id: "U0REDEEM02", name: "sam2" };
    const late = await ask(sam, `redeem ${codes[1]}`);
    expect(late.text).toContain(en("codes.errors.disabled"));

    const rows = await h.services.prisma.balance.findMany({ where: { bucket: "promo" } });
    expect(rows.map((r) => r.amount)).toEqual([4n * USD]);
    await expectReconciled(h.services);
  });

  it("20 wrong codes in a row, each told the code does not exist; the 21st try is slowed down, a good code included, and nothing is written", async () => {
    const made = await ask(support, "codes create 9 1");
    const [good] = codesIn(made.text);
    const gus: SlackUser = { id: "U0REDEEM03", name: "gus" };
    await ask(gus, "balance");
    const before = await written(h.services);
    for (let i = 0; i < 20; i++) {
      const wrong = await ask(gus, `redeem ABCD-EFGH-JKMN-${"23456789ABCDEFGHJKMNPQRSTUVWXYZ"[i]}PQR`);
      expect(wrong.text).toContain(en("codes.errors.unknown_code"));
    }
    const slowed = await ask(gus, `redeem ${good}`);
    expect(slowed.text).toContain(en("codes.errors.slow_down", { minutes: 10 }));
    expect(await written(h.services)).toEqual(before);
    expect(await failuresOf(h.services, await accountOf(h.services, gus.id, "slack"))).toBe(20);
  });

  it("an expired code and a new-accounts code used by an account older than a week are refused, each with its reason, and nothing is written", async () => {
    const soon = await ask(support, "codes create 2 1 1h");
    const forNew = await ask(support, "codes create 3 1 30d 1 new");
    const [expiring] = codesIn(soon.text);
    const [newOnly] = codesIn(forNew.text);
    const seq = Number(/RC-(\d{6})/.exec(soon.text)![1]);
    const { expiresAt } = await h.services.prisma.redemptionBatch.findUniqueOrThrow({ where: { seq } });
    const olga: SlackUser = { id: "U0REDEEM04", name: "olga" };
    await ask(olga, "balance");
    const before = await written(h.services);

    shift += 2 * 3_600_000;
    expect((await ask(olga, `redeem ${expiring}`)).text).toContain(en("codes.errors.expired", { date: expiresAt.toISOString().slice(0, 10) }));
    shift += 8 * 86_400_000;
    expect((await ask(olga, `redeem ${newOnly}`)).text).toContain(en("codes.errors.not_new", { days: 7 }));
    expect(await written(h.services)).toEqual(before);
    expect(await failuresOf(h.services, await accountOf(h.services, olga.id, "slack"))).toBe(2);
  });
});
