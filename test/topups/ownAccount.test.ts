import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import { issueLinkCode } from "../../src/accounts/linkCodes.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { translate } from "../../src/i18n.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";

/**
 * A support member never decides a top-up of their own account, whichever of their identities
 * placed it and whichever clicks: the rule compares accounts, not the identity that clicked.
 */
describe("the self-confirm rule compares accounts", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
  });
  afterAll(async () => {
    await services?.db.close();
  });

  const supportInSlack: Caller = { platform: "slack", workspaceId: "T_SUPPORT", userId: "U_SAM", displayName: "Sam", locale: "en", isSupport: true };
  const samOnDiscord: Caller = { platform: "discord", workspaceId: "discord", userId: "4242424242", displayName: "Sam", locale: "en", isSupport: false };
  const samInAnotherWorkspace: Caller = { platform: "slack", workspaceId: "T_CUSTOMERS", userId: "U_SAM2", displayName: "Sam", locale: "en", isSupport: true };

  async function link(caller: Caller, accountId: string) {
    const { code } = await issueLinkCode(services.prisma, { accountId, now: new Date() });
    const reply = await dispatch(registry, services, caller, "link", { code });
    expect(reply.error, reply.summary).toBeUndefined();
  }

  it("refuses Sam's confirm from Slack of a top-up Sam placed from a Discord identity linked to the same account, and from another workspace", async () => {
    const { id: account } = await resolveAccount(services, supportInSlack);
    await link(samOnDiscord, account);
    await link(samInAnotherWorkspace, account);

    const created = await dispatch(registry, services, samOnDiscord, "topup", { method: "erc20", amount: "10" });
    const orderNo = /CD-\d{6}/.exec(created.summary ?? "")![0];
    const proof = await dispatch(registry, services, samOnDiscord, "proof", { order: orderNo, txHash: "0x" + "5a".repeat(32), screenshot: { name: "p.png", bytes: PNG_BYTES } });
    expect(proof.error).toBeUndefined();

    for (const decider of [supportInSlack, samInAnotherWorkspace]) {
      for (const [command, args] of [["confirm", { order: orderNo }], ["reject", { order: orderNo, reason: "other", note: "mine" }]] as const) {
        const reply = await dispatch(registry, services, decider, command, args);
        expect(reply.summary).toBe(translate("en", "errors.own_order"));
      }
    }
    expect(await services.prisma.ledgerEntry.count({ where: { accountId: account } })).toBe(0);
    expect((await services.prisma.topupOrder.findFirstOrThrow({ where: { orderNo } })).status).toBe("submitted");
    expect(await services.prisma.auditLog.count({ where: { outcome: "refused:own_account" } })).toBe(4);
  });
});
