import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findAccount } from "../../src/support/findAccount.ts";
import { UserError } from "../../src/errors.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";

/** The lookup behind `account`, `adjust`, `voucher`, `trial`, `suspend` and `audit`: every way support names an account. */
let services: Services;
let slackCarol: string;
let discordDan: string;
let both: [string, string];

beforeAll(async () => {
  services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
  const p = services.prisma;
  const account = async (identities: { platform: string; workspaceId: string; userId: string; displayName?: string }[]) => {
    const { id } = await p.account.create({ data: {} });
    for (const i of identities) await p.chatIdentity.create({ data: { accountId: id, ...i } });
    return id;
  };
  slackCarol = await account([{ platform: "slack", workspaceId: "T1", userId: "U0CAROL01", displayName: "Carol" }]);
  discordDan = await account([{ platform: "discord", workspaceId: "discord", userId: "123456789012345678", displayName: "dan" }]);
  // The same user id on two platforms, belonging to two people.
  both = [await account([{ platform: "slack", workspaceId: "T1", userId: "X42" }]), await account([{ platform: "console", workspaceId: "local", userId: "X42" }])];
  await p.topupOrder.create({
    data: {
      seq: 77, orderNo: "CD-000077", accountId: discordDan, methodId: "erc20", methodKind: "usdt", requestedAmount: 10_000_000n, instructedAmount: 10_000_000n,
      bonusRule: {}, expiresAt: new Date(Date.now() + 3600_000), surface: "discord", customerWorkspace: "discord", customerUserId: "123456789012345678",
      txHash: "0x" + "cd".repeat(32), proofKey: "tx:0x" + "cd".repeat(32), status: "submitted",
    },
  });
});
afterAll(async () => {
  await services?.db.close();
});

const slack = { platform: "slack" as const };
const discord = { platform: "discord" as const };

describe("findAccount", () => {
  const cases: [string, () => string, { platform: "slack" | "discord" }, () => string, string][] = [
    ["a Slack mention", () => "<@U0CAROL01>", discord, () => slackCarol, "user"],
    ["a Slack mention with a name", () => "<@U0CAROL01|carol>", slack, () => slackCarol, "user"],
    ["a Slack user id", () => "U0CAROL01", slack, () => slackCarol, "user"],
    ["a display name typed as @name (Slack without escaping)", () => "@carol", slack, () => slackCarol, "user"],
    ["a Discord mention", () => "<@123456789012345678>", discord, () => discordDan, "user"],
    ["a Discord nickname mention", () => "<@!123456789012345678>", slack, () => discordDan, "user"],
    ["an account id in capitals", () => slackCarol.toUpperCase(), slack, () => slackCarol, "account_id"],
    ["an order number", () => "CD-000077", slack, () => discordDan, "order"],
    ["an order number in short", () => "cd77", slack, () => discordDan, "order"],
    ["a hash with 0x", () => "0x" + "CD".repeat(32), slack, () => discordDan, "tx_hash"],
    ["a hash without 0x, as TRON shows it", () => "cd".repeat(32), slack, () => discordDan, "tx_hash"],
    ["a user id on two platforms, settled by the caller's", () => "X42", slack, () => both[0], "user"],
  ];
  for (const [name, query, caller, expected, via] of cases) {
    it(name, async () => {
      const match = await findAccount(services.prisma, caller, query());
      expect(match).toMatchObject({ accountId: expected(), via });
    });
  }

  it("a hash that proves orders of two accounts (a batched withdrawal) is refused, naming the orders", async () => {
    const hash = "0x" + "ab".repeat(32);
    for (const [seq, accountId, logIndex] of [[80, slackCarol, 1], [81, discordDan, 2]] as const) {
      await services.prisma.topupOrder.create({
        data: {
          seq, orderNo: `CD-0000${seq}`, accountId, methodId: "erc20", methodKind: "usdt", requestedAmount: 10_000_000n, instructedAmount: 10_000_000n,
          bonusRule: {}, expiresAt: new Date(Date.now() + 3600_000), surface: "slack", customerWorkspace: "T1", customerUserId: "U",
          txHash: hash, proofKey: `tx:${hash}`, proofLogIndex: logIndex, status: "submitted",
        },
      });
    }
    await expect(findAccount(services.prisma, slack, hash)).rejects.toMatchObject({ key: "support_tools.errors.ambiguous_hash", params: { orders: "CD-000080, CD-000081" } });
  });

  it("refuses what it cannot settle, naming the candidates, and what matches nothing", async () => {
    const ambiguous = await findAccount(services.prisma, discord, "X42").catch((e: unknown) => e);
    expect(ambiguous).toBeInstanceOf(UserError);
    expect(ambiguous).toMatchObject({ key: "support_tools.errors.ambiguous_user", params: { accounts: [...both].sort().join(", ") } });
    for (const query of ["nobody", "CD-000078", "0x" + "ee".repeat(32), "00000000-0000-4000-8000-000000000000", "<@U0NOBODY>", "   "]) {
      const err = await findAccount(services.prisma, slack, query).catch((e: unknown) => e);
      expect(err, query).toMatchObject({ key: "support_tools.errors.not_found", field: "account" });
    }
  });
});
