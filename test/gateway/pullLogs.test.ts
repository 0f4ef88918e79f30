import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../../src/config/env.ts";
import { GatewayClient } from "../../src/gateway/client.ts";
import { linkGatewayUser } from "../../src/gateway/links.ts";
import { LOG_CURSOR, pullConsumeLogs, type PullDeps } from "../../src/gateway/pullConsumeLogs.ts";
import { gatewaySettings } from "../../src/gateway/settings.ts";
import { post } from "../../src/ledger/postEntries.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";
import { NewApiStandin, type GatewayKind } from "../standins/newApi.ts";
import { expectReconciled } from "../webhooks/kit.ts";

describe.each<GatewayKind>(["new-api", "one-api"])("%s consumption logs as the usage feed", (kind) => {
  let services: Services;
  let standin: NewApiStandin;
  let deps: PullDeps;
  let accountId: string;
  let clock = new Date();

  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" }, now: () => clock });
    standin = await new NewApiStandin(kind).start();
    const settings = gatewaySettings(
      loadEnv({ GATEWAY_KIND: kind, GATEWAY_URL: standin.url, GATEWAY_ADMIN_TOKEN: standin.admin.token, GATEWAY_ADMIN_USER_ID: String(standin.admin.userId) }),
    )!;
    deps = { prisma: services.prisma, client: new GatewayClient(settings), settings, now: () => clock };
    accountId = (await services.prisma.account.create({ data: {} })).id;
    await post(services.prisma, { idempotencyKey: "seed", lines: [{ accountId, type: "voucher", bucket: "promo", amount: 100_000_000n }], actor: { type: "system" } });
    standin.addUser(7, 1_000_000_000);
    standin.addUser(8, 1_000_000_000);
    await linkGatewayUser(services.prisma, { accountId, gatewayUserId: 7, linkedBy: "test" });
  });
  afterAll(async () => {
    await standin?.stop();
    await services?.db.close();
  });

  it("debits each log once, across pages, overlapping windows and repeated pulls; logs of unlinked users are skipped", async () => {
    const at = Math.floor(clock.getTime() / 1000) - 60;
    // 150 logs of the linked user (more than a page on both gateways), 3 of a user no account is linked to.
    for (let i = 0; i < 150; i++) standin.consume(7, 1000 + i, { model: "gpt-4o-mini", prompt: 10, completion: 20, at: at + (i % 30) });
    for (let i = 0; i < 3; i++) standin.consume(8, 5000, { model: "gpt-4o", at });
    const expectedMicros = Array.from({ length: 150 }, (_, i) => BigInt(1000 + i) * 2n).reduce((a, b) => a + b, 0n);
    const balanceBefore = await balanceOf(services, accountId);

    const first = await pullConsumeLogs(deps);
    expect(first).toEqual({ accepted: 150, duplicates: 0, skipped: 3 });
    // The same window again (the overlap, or a crash before the cursor moved): nothing new.
    await services.prisma.relayCursor.delete({ where: { source: LOG_CURSOR } });
    const again = await pullConsumeLogs(deps);
    expect(again).toMatchObject({ accepted: 0, duplicates: 150 });

    expect(balanceBefore - (await balanceOf(services, accountId))).toBe(expectedMicros);
    const usage = await services.prisma.usageRecord.findMany({ where: { accountId }, orderBy: { recordId: "asc" } });
    expect(usage).toHaveLength(150);
    const first7 = standin.logs.find((l) => l.user_id === 7)!;
    expect(usage.find((u) => u.recordId === `gateway-log:${first7.id}`)).toMatchObject({ cost: 2000n, model: "gpt-4o-mini", inputTokens: 10, outputTokens: 20 });

    // Later logs come in the next window.
    clock = new Date(clock.getTime() + 120_000);
    standin.consume(7, 4242, { model: "gpt-4o", at: Math.floor(clock.getTime() / 1000) - 30 });
    expect(await pullConsumeLogs(deps)).toMatchObject({ accepted: 1 });
    expect(await services.prisma.usageRecord.count({ where: { accountId } })).toBe(151);
    await expectReconciled(services);
  });
});

async function balanceOf(services: Services, accountId: string): Promise<bigint> {
  const rows = await services.prisma.balance.findMany({ where: { accountId } });
  return rows.reduce((sum, r) => sum + r.amount, 0n);
}
