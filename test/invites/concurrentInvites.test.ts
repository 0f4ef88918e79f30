import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import type { Services } from "../../src/services.ts";
import { runConsole } from "../helpers/consoleScript.ts";
import { onPostgres } from "../helpers/db.ts";
import { createTestServices } from "../helpers/services.ts";
import { accountOf, confirmedTopup, expectReconciled, lastRefundNo, spend, USD } from "../refunds/fixtures.ts";

/**
 * Invites under concurrency, each command through its own console session (the console surface,
 * dispatch, the domain) on one PostgreSQL pool. PGlite is one connection, so nothing is
 * concurrent there: these run on PostgreSQL only.
 */
describe.skipIf(!onPostgres)("invites racing on PostgreSQL", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
  });
  afterEach(async () => {
    await expectReconciled(services);
  });
  afterAll(async () => {
    await services?.db.close();
  });

  const en = (key: string, params: Record<string, string | number> = {}) => translate("en", key, params);
  const say = (who: string, ...lines: string[]) => runConsole(services, lines, { customer: who, support: "sam" });

  async function codeOf(who: string): Promise<string> {
    const out = await say(who, "invite");
    return new RegExp(`${en("invites.stats.code")}:\\n\\s+([A-Z2-9]{4}-[A-Z2-9]{4})`).exec(out)![1];
  }

  async function rewardsOf(who: string) {
    const accountId = await accountOf(services, who);
    return (await services.prisma.ledgerEntry.findMany({ where: { accountId, type: "referral_reward" }, orderBy: { id: "asc" } })).map((e) => e.amount);
  }

  /** An invitee who accepted `inviter`'s code, topped up `usd` and spent the $10 that unlocks the reward. */
  async function unlockedInvite(inviter: string, invitee: string, usd: number): Promise<void> {
    expect(await say(invitee, `invite accept ${await codeOf(inviter)}`)).toContain(en("invites.accepted"));
    await confirmedTopup(services, invitee, usd);
    await spend(services, await accountOf(services, invitee), 10n * USD);
  }

  it("two transfers at once pay an unlocked reward once, and so do ten; the others are told there is nothing to transfer", async () => {
    await unlockedInvite("tina", "tom", 200);
    const pair = await Promise.all([say("tina", "invite transfer"), say("tina", "invite transfer")]);
    expect(pair.filter((out) => out.includes(en("invites.transferred", { amount: "$20.00", balance: "$20.00" })))).toHaveLength(1);
    expect(pair.filter((out) => out.includes(`⚠️ ${en("invites.errors.nothing_to_transfer")}`))).toHaveLength(1);
    expect(await rewardsOf("tina")).toEqual([20n * USD]);

    await unlockedInvite("tess", "ted", 300);
    const ten = await Promise.all(Array.from({ length: 10 }, () => say("tess", "invite transfer")));
    expect(ten.filter((out) => out.includes(en("invites.transferred", { amount: "$30.00", balance: "$30.00" })))).toHaveLength(1);
    expect(ten.filter((out) => out.includes(`⚠️ ${en("invites.errors.nothing_to_transfer")}`))).toHaveLength(9);
    expect(await rewardsOf("tess")).toEqual([30n * USD]);
    const tess = await accountOf(services, "tess");
    expect((await services.prisma.invite.findFirstOrThrow({ where: { inviterAccountId: tess } })).paidOut).toBe(30n * USD);
  });

  it("two new accounts taking each other's codes at the same moment: one invite is made, the other is refused as a cycle", async () => {
    for (let pair = 0; pair < 8; pair++) {
      const [a, b] = [`ring-a${pair}`, `ring-b${pair}`];
      const [codeA, codeB] = [await codeOf(a), await codeOf(b)];
      const outs = await Promise.all([say(a, `invite accept ${codeB}`), say(b, `invite accept ${codeA}`)]);
      expect(outs.filter((out) => out.includes(en("invites.accepted")))).toHaveLength(1);
      expect(outs.filter((out) => out.includes(`⚠️ ${en("invites.errors.cycle")}`))).toHaveLength(1);
    }
    // No account is its own inviter, however far up the chain.
    const [loop] = await services.prisma.$queryRaw<{ n: bigint }[]>`
      WITH RECURSIVE up ("start", "id", "depth") AS (
        SELECT "inviteeAccountId", "inviterAccountId", 1 FROM "invites"
        UNION ALL SELECT up."start", i."inviterAccountId", up."depth" + 1 FROM "invites" i JOIN up ON i."inviteeAccountId" = up."id" WHERE up."depth" < 50
      ) SELECT count(*) AS n FROM up WHERE "start" = "id"`;
    expect(Number(loop.n)).toBe(0);
  });

  it("a transfer racing the refund of the invitee's top-up: whichever commits first, the inviter keeps exactly what the invite earns", async () => {
    await unlockedInvite("uma", "val", 100);
    const refundNo = lastRefundNo(await say("val", 'refund 60 "changed plans"'));

    const [transfer, approval] = await Promise.all([say("uma", "invite transfer"), say("val", "/as support", `refund-approve ${refundNo} WIRE-RACE-0001`)]);
    expect(transfer).not.toContain("⚠️");
    expect(approval).not.toContain("⚠️");
    // Earned after the refund: 10% of the $40 left. Either $10 was paid and $6 taken back, or $4 was paid.
    expect((await rewardsOf("uma")).reduce((sum, e) => sum + e, 0n)).toBe(4n * USD);
    const uma = await accountOf(services, "uma");
    expect((await services.prisma.invite.findFirstOrThrow({ where: { inviterAccountId: uma } })).paidOut).toBe(4n * USD);
  });
});
