import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { issueLinkCode } from "../../src/accounts/linkCodes.ts";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { translate } from "../../src/i18n.ts";
import type { Services } from "../../src/services.ts";
import { onPostgres } from "../helpers/db.ts";
import { createTestServices } from "../helpers/services.ts";
import { auditRows, bucketsOf, expectReconciled, USD, written } from "./helpers.ts";

/**
 * Four eyes compares people, not the identity that clicked: a support member's other identity
 * (another platform, another workspace) linked to the same billing account is the same person.
 * And however many approve at once, an adjustment is written once.
 */
let services: Services;
let customer: string;
const en = (key: string, params?: Record<string, string | number>) => translate("en", key, params);

const samInSlack: Caller = { platform: "slack", workspaceId: "T_SUPPORT", userId: "U_SAM", displayName: "Sam", locale: "en", isSupport: true };
const samOnDiscord: Caller = { platform: "discord", workspaceId: "discord", userId: "4242424242", displayName: "Sam", locale: "en", isSupport: true };
const sueInSlack: Caller = { platform: "slack", workspaceId: "T_SUPPORT", userId: "U_SUE", displayName: "Sue", locale: "en", isSupport: true };
const carol: Caller = { platform: "slack", workspaceId: "T_CUSTOMERS", userId: "U_CAROL", displayName: "carol", locale: "en", isSupport: false };

beforeAll(async () => {
  services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0", TRIAL_STAGE2_USD: "3", ADJUST_APPROVAL_USD: "100" } });
  customer = (await resolveAccount(services, carol)).id;
});
afterAll(async () => {
  await services?.db.close();
});

async function ask(by: Caller, amount: string, reason = "goodwill"): Promise<string> {
  const reply = await dispatch(registry, services, by, "adjust", { account: customer, amount, bucket: "principal", reason });
  expect(reply.error, reply.summary).toBeUndefined();
  return /ADJ-\d{6}/.exec(reply.summary!)![0];
}

describe("the requester's own approval", () => {
  it("is refused from another identity linked to the requester's account, linked before or after the request, and recorded", async () => {
    // Sam has a billing account of his own from Slack; he asks, then links his Discord identity to it.
    const sams = (await resolveAccount(services, samInSlack)).id;
    const no = await ask(samInSlack, "+150");
    const { code } = await issueLinkCode(services.prisma, { accountId: sams, now: new Date() });
    const link = await dispatch(registry, services, { ...samOnDiscord, isSupport: false }, "link", { code });
    expect(link.error, link.summary).toBeUndefined();

    const before = await written(services);
    for (const who of [samInSlack, samOnDiscord]) {
      const reply = await dispatch(registry, services, who, "adjust-decide", { request: no, decision: "approve" });
      expect(reply.summary).toBe(en("support_tools.errors.own_request", { adjustment: no }));
    }
    expect(await written(services)).toEqual(before);
    expect((await auditRows(services, { action: "adjustment.approve", outcome: "refused:own_request" })).map((r) => [r.platform, r.actorId])).toEqual([
      ["slack", "U_SAM"],
      ["discord", "4242424242"],
    ]);

    // The requester may withdraw it; someone else may approve another.
    const approved = await dispatch(registry, services, sueInSlack, "adjust-decide", { request: no, decision: "approve" });
    expect(approved.summary).toContain(`Adjustment ${no} approved`);
    expect((await bucketsOf(services, customer)).principal).toBe(150n * USD);
    await expectReconciled(services);
  });

  it("a member with no account of their own is told apart by their platform identity alone", async () => {
    const kim: Caller = { platform: "discord", workspaceId: "discord", userId: "5555555555", displayName: "Kim", locale: "en", isSupport: true };
    const no = await ask(kim, "-120");
    // The same user id in a Slack workspace is someone else.
    const kimInSlack: Caller = { ...kim, platform: "slack", workspaceId: "T_SUPPORT" };
    const refused = await dispatch(registry, services, kim, "adjust-decide", { request: no, decision: "approve" });
    expect(refused.summary).toBe(en("support_tools.errors.own_request", { adjustment: no }));
    const approved = await dispatch(registry, services, kimInSlack, "adjust-decide", { request: no, decision: "approve" });
    expect(approved.summary).toContain(`Adjustment ${no} approved`);
    expect((await bucketsOf(services, customer)).principal).toBe(30n * USD);
    await expectReconciled(services);
  });

  it("nobody approves an adjustment on their own account, even one someone else asked for", async () => {
    const sams = (await resolveAccount(services, samInSlack)).id;
    const reply = await dispatch(registry, services, sueInSlack, "adjust", { account: sams, amount: "500", bucket: "bonus", reason: "for Sam" });
    const no = /ADJ-\d{6}/.exec(reply.summary!)![0];
    const before = await written(services);
    const refused = await dispatch(registry, services, samOnDiscord, "adjust-decide", { request: no, decision: "approve" });
    expect(refused.summary).toBe(en("support_tools.errors.own_account"));
    expect(await written(services)).toEqual(before);
  });
});

describe.skipIf(!onPostgres)("approvals at the same moment (PostgreSQL)", () => {
  it("two approvals at once write the adjustment once; the other is told it was approved", async () => {
    for (let round = 0; round < 5; round++) {
      const no = await ask(samInSlack, "+200", `race ${round}`);
      const before = (await bucketsOf(services, customer)).principal ?? 0n;
      const approvers = [sueInSlack, { ...sueInSlack, userId: "U_TOM", displayName: "Tom" }];
      const replies = await Promise.all(approvers.map((who) => dispatch(registry, services, who, "adjust-decide", { request: no, decision: "approve" })));
      expect(replies.filter((r) => !r.error)).toHaveLength(1);
      const loser = replies.find((r) => r.error)!;
      expect(loser.summary).toMatch(new RegExp(`^${no} was already approved by (Sue|Tom) and written once`));
      expect(await services.prisma.ledgerEntry.count({ where: { reference: no } })).toBe(1);
      expect((await bucketsOf(services, customer)).principal).toBe(before + 200n * USD);
      expect(await auditRows(services, { action: "adjustment.approve", outcome: "ok", accountId: customer }).then((rows) => rows.filter((r) => (r.detail as { adjustment?: string }).adjustment === no))).toHaveLength(1);
    }
    await expectReconciled(services);
  });

  it("ten approvers at once still write once", async () => {
    const no = await ask(samInSlack, "+300", "crowd");
    const approvers = Array.from({ length: 10 }, (_, i) => ({ ...sueInSlack, userId: `U_APPROVER${i}` }));
    const replies = await Promise.all(approvers.map((who) => dispatch(registry, services, who, "adjust-decide", { request: no, decision: "approve" })));
    expect(replies.filter((r) => !r.error)).toHaveLength(1);
    expect(await services.prisma.ledgerEntry.count({ where: { reference: no } })).toBe(1);
    await expectReconciled(services);
  });

  it("two trial stage 2 grants at once write one", async () => {
    const dave = (await resolveAccount(services, { ...carol, userId: "U_DAVE" })).id;
    const replies = await Promise.all([samInSlack, sueInSlack].map((who) => dispatch(registry, services, who, "trial", { account: dave })));
    expect(replies.filter((r) => !r.error)).toHaveLength(1);
    expect(replies.find((r) => r.error)!.summary).toMatch(/^Trial stage 2 was already granted/);
    expect(await bucketsOf(services, dave)).toEqual({ trial: 3n * USD });
    await expectReconciled(services);
  });
});
