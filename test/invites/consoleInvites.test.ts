import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import type { Services } from "../../src/services.ts";
import { runConsole } from "../helpers/consoleScript.ts";
import { createTestServices } from "../helpers/services.ts";
import { accountOf, buckets, confirmedTopup, expectReconciled, lastRefundNo, spend, USD } from "../refunds/fixtures.ts";

/**
 * Invites end to end through the console: `invite`, `invite accept`, `invite transfer`, top-ups
 * confirmed by support, usage through the ledger's writer, and refunds approved by support, on a
 * real database, with reconcile clean after each.
 */
const DAY_MS = 86_400_000;
let offset = 0;
let services: Services;
beforeAll(async () => {
  services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" }, now: () => new Date(Date.now() + offset) });
});
afterEach(async () => {
  await expectReconciled(services);
});
afterAll(async () => {
  await services?.db.close();
});

const en = (key: string, params: Record<string, string | number> = {}) => translate("en", key, params);
const as = (customer: string) => ({ customer, support: "sam" });
const say = (who: string, ...lines: string[]) => runConsole(services, lines, as(who));

/** The invite code `invite` shows a customer. */
async function inviteCodeOf(who: string): Promise<string> {
  const out = await say(who, "invite");
  const code = new RegExp(`${en("invites.stats.code")}:\\n\\s+([A-Z2-9]{4}-[A-Z2-9]{4})`).exec(out)?.[1];
  if (!code) throw new Error(`no invite code in:\n${out}`);
  return code;
}

/** The `invite` panel's line for a field, e.g. "Pending (until they spend $10.00): $10.00". */
function field(out: string, key: string, params: Record<string, string> = {}): string {
  const label = en(key, params);
  const line = out.split("\n").find((l) => l.trim().startsWith(`${label}:`));
  if (!line) throw new Error(`no ${label} in:\n${out}`);
  return line.trim().slice(label.length + 2);
}

async function panel(who: string) {
  const out = await say(who, "invite");
  return {
    out,
    invited: field(out, "invites.stats.invited"),
    pending: field(out, "invites.stats.pending", { unlock: "$10.00" }),
    ready: field(out, "invites.stats.ready"),
    transferred: field(out, "invites.stats.transferred"),
    earned: field(out, "invites.stats.earned"),
  };
}

/** Everything a refused invite command could have written. */
async function written() {
  const p = services.prisma;
  return {
    invites: await p.invite.findMany({ orderBy: { id: "asc" } }),
    postings: await p.posting.count(),
    entries: await p.ledgerEntry.count(),
    balances: await p.balance.findMany({ orderBy: [{ accountId: "asc" }, { bucket: "asc" }] }),
    accounts: await p.account.count(),
    audit: await p.auditLog.count(),
    outbox: await p.outboxMessage.count(),
  };
}

async function expectRefused(who: string, line: string, key: string, params: Record<string, string | number> = {}) {
  const before = await written();
  const out = await say(who, line);
  expect(out).toContain(`⚠️ ${en(key, params)}`);
  expect(await written()).toEqual(before);
}

async function rewards(accountId: string) {
  return services.prisma.ledgerEntry.findMany({ where: { accountId, type: "referral_reward" }, orderBy: { id: "asc" } });
}

async function refund(who: string, amount: number): Promise<string> {
  const asked = await say(who, `refund ${amount} "changed plans"`);
  const refundNo = lastRefundNo(asked);
  const approved = await runConsole(services, ["/as support", `refund-approve ${refundNo} WIRE-${refundNo}`], as(who));
  expect(approved).toContain(refundNo);
  return approved;
}

describe("invites through the console", () => {
  it("the reward is pending after the invitee's confirmed top-up, unlocks once they spend, and transfers once", async () => {
    const code = await inviteCodeOf("alice");
    const alice = await accountOf(services, "alice");
    const accepted = await say("bob", `invite accept ${code.toLowerCase()}`);
    expect(accepted).toContain(en("invites.accepted"));
    const bob = await accountOf(services, "bob");
    expect(await services.prisma.invite.findUniqueOrThrow({ where: { inviteeAccountId: bob } })).toMatchObject({ inviterAccountId: alice, rewardBps: 1000, unlockSpend: 10n * USD, paidOut: 0n });

    let p = await panel("alice");
    expect([p.invited, p.pending, p.ready, p.earned]).toEqual(["1", "$0.00", "$0.00", "$0.00"]);
    expect(p.out).toContain(en("invites.stats.how", { command: `invite accept ${code}`, days: 7, rate: "10%", unlock: "$10.00" }));

    // $100 confirmed (and a $20 bonus, which earns nothing): 10% of the principal, pending.
    await confirmedTopup(services, "bob", 100);
    p = await panel("alice");
    expect([p.pending, p.ready, p.transferred, p.earned]).toEqual(["$10.00", "$0.00", "$0.00", "$10.00"]);
    await expectRefused("alice", "invite transfer", "invites.errors.nothing_unlocked", { pending: "$10.00" });

    await spend(services, bob, 9_999_999n);
    expect((await panel("alice")).ready).toBe("$0.00");
    await spend(services, bob, 1n);
    p = await panel("alice");
    expect([p.pending, p.ready, p.earned]).toEqual(["$0.00", "$10.00", "$10.00"]);

    // The panel's button transfers; a second transfer finds nothing.
    const moved = await say("alice", "invite", "1");
    expect(moved).toContain(en("invites.transferred", { amount: "$10.00", balance: "$10.00" }));
    expect((await rewards(alice)).map((e) => [e.bucket, e.amount])).toEqual([["promo", 10n * USD]]);
    await expectRefused("alice", "invite transfer", "invites.errors.nothing_to_transfer");
    p = await panel("alice");
    expect([p.pending, p.ready, p.transferred, p.earned]).toEqual(["$0.00", "$0.00", "$10.00", "$10.00"]);

    // A later top-up of the invitee, already unlocked, is ready at once.
    await confirmedTopup(services, "bob", 50);
    expect((await panel("alice")).ready).toBe("$5.00");
    expect(await say("alice", "invite transfer")).toContain(en("invites.transferred", { amount: "$5.00", balance: "$15.00" }));
    expect(await buckets(services, alice)).toEqual({ promo: 15n * USD });
    // Nothing for bob: the invitee's own balance is untouched by the invite.
    expect((await rewards(bob))).toEqual([]);
    await expectReconciled(services);
  });

  it("refuses a self-invite, a cycle, a second invite, an old account and unknown codes, each with a clear message and nothing written", async () => {
    const kim = await inviteCodeOf("kim");
    await expectRefused("kim", `invite accept ${kim}`, "invites.errors.self_invite");

    // kim → lee → max; then neither max's nor lee's code may make kim (or lee) anyone's invitee down the line.
    expect(await say("lee", `invite accept ${kim}`)).toContain(en("invites.accepted"));
    const lee = await inviteCodeOf("lee");
    expect(await say("max", `invite ${lee}`)).toContain(en("invites.accepted"));
    const max = await inviteCodeOf("max");
    await expectRefused("kim", `invite accept ${lee}`, "invites.errors.cycle");
    await expectRefused("kim", `invite accept ${max}`, "invites.errors.cycle");

    await expectRefused("lee", `invite accept ${max}`, "invites.errors.already_invited", { date: new Date(Date.now() + offset).toISOString().slice(0, 10) });
    await expectRefused("kim", "invite accept ABCD-EFGH", "invites.errors.unknown_code", { code: "ABCD-EFGH" });
    await expectRefused("kim", "invite accept ABC", "invites.errors.code_format");
    await expectRefused("kim", "invite accept", "invites.errors.code_required");
    await expectRefused("kim", "invite frobnicate", "invites.errors.unknown_action", { action: "frobnicate" });

    // An account may accept only within INVITE_ACCEPT_DAYS (7) of its creation.
    await say("ned", "balance");
    offset += 8 * DAY_MS;
    await expectRefused("ned", `invite accept ${kim}`, "invites.errors.too_late", { days: 7 });
    offset -= 8 * DAY_MS;
  });

  it("a refund of the invitee's top-up takes a transferred reward back from promo, never below zero; a pending reward just shrinks", async () => {
    const code = await inviteCodeOf("carol");
    const carol = await accountOf(services, "carol");
    await say("dave", `invite accept ${code}`);
    const dave = await accountOf(services, "dave");
    await confirmedTopup(services, "dave", 100);
    await spend(services, dave, 10n * USD);
    expect(await say("carol", "invite transfer")).toContain(en("invites.transferred", { amount: "$10.00", balance: "$10.00" }));

    // Half of dave's top-up paid back: the invite now earns $5, so $5 comes back out of carol's promo.
    const first = await refund("dave", 50);
    const refundNo = lastRefundNo(first);
    expect(first).toContain(en("invites.dm.reversed", { reference: refundNo, amount: "$5.00" }));
    expect((await rewards(carol)).map((e) => [e.amount, e.reference])).toEqual([[10n * USD, expect.stringMatching(/^invite:/)], [-5n * USD, refundNo]]);
    expect(await buckets(services, carol)).toEqual({ promo: 5n * USD });
    let p = await panel("carol");
    expect([p.ready, p.transferred, p.earned]).toEqual(["$0.00", "$5.00", "$5.00"]);

    // carol spends her promo; the rest of dave's top-up paid back: nothing left to take, and it is
    // not taken from anything else. It stays owed on the invite.
    await spend(services, carol, 5n * USD);
    const second = await refund("dave", 50);
    const secondNo = lastRefundNo(second);
    expect(second).toContain(en("invites.dm.shortfall", { amount: "$5.00" }));
    expect((await rewards(carol))).toHaveLength(2);
    expect(await buckets(services, carol)).toEqual({ promo: 0n });
    const audit = await services.prisma.auditLog.findFirstOrThrow({ where: { action: "invite.reverse", accountId: carol }, orderBy: { id: "desc" } });
    expect(audit.detail).toMatchObject({ refund: secondNo, due: String(5n * USD), reversed: "0", shortfall: String(5n * USD) });
    p = await panel("carol");
    expect(p.out).toContain(en("invites.stats.owed", { owed: "$5.00" }));
    expect([p.ready, p.earned]).toEqual(["$0.00", "$0.00"]);

    // dave tops up again: the first $5 it earns pays what is owed, the rest is carol's.
    await confirmedTopup(services, "dave", 80);
    p = await panel("carol");
    expect([p.ready, p.earned]).toEqual(["$3.00", "$8.00"]);
    expect(p.out).not.toContain(en("invites.stats.owed", { owed: "$5.00" }));

    // A reward still pending is cancelled by the refund alone: no entry anywhere.
    const erinCode = await inviteCodeOf("erin");
    const erin = await accountOf(services, "erin");
    await say("fred", `invite accept ${erinCode}`);
    await confirmedTopup(services, "fred", 100);
    expect((await panel("erin")).pending).toBe("$10.00");
    await refund("fred", 100);
    expect((await panel("erin")).pending).toBe("$0.00");
    expect(await rewards(erin)).toEqual([]);
    await expectReconciled(services);
  });

  it("support's account view shows who invited whom, and where each reward stands", async () => {
    const code = await inviteCodeOf("gus");
    const gus = await accountOf(services, "gus");
    await say("hal", `invite accept ${code}`);
    const hal = await accountOf(services, "hal");
    await confirmedTopup(services, "hal", 20);

    const ofGus = await runConsole(services, ["/as support", `account ${gus}`], as("nobody"));
    expect(ofGus).toContain(en("invites.support.not_invited"));
    expect(ofGus).toContain(en("invites.support.invited", { count: 1 }));
    expect(ofGus).toMatch(new RegExp(`• ${hal} · .* · topped up \\$20\\.00 · earned \\$2\\.00 · transferred \\$0\\.00 · locked \\(\\$0\\.00 of \\$10\\.00 spent\\)`));

    const ofHal = await runConsole(services, ["/as support", `account ${hal}`], as("nobody"));
    expect(ofHal).toContain(`Invited by: ${gus} (code ${code}, `);
    expect(ofHal).toContain(en("invites.support.none"));
  });
});
