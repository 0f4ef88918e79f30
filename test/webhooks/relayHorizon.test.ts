import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postEntries, post } from "../../src/ledger/postEntries.ts";
import type { Services } from "../../src/services.ts";
import { parseWebhookConfig } from "../../src/webhooks/config.ts";
import { relayOnce, relayRound, type RelayDeps } from "../../src/webhooks/relay.ts";
import { onPostgres } from "../helpers/db.ts";
import { createTestServices } from "../helpers/services.ts";
import { expectReconciled } from "./kit.ts";

const config = parseWebhookConfig(
  { endpoints: [{ id: "all", url: "http://127.0.0.1:9/never", secretEnv: "WEBHOOK_SECRET_ALL", events: ["ledger.entry"] }] },
  { WEBHOOK_SECRET_ALL: "whsec-horizon-0123456789abcdef" },
);

async function newAccount(services: Services): Promise<string> {
  return (await services.prisma.account.create({ data: {} })).id;
}

const entryEvents = async (services: Services) =>
  (await services.prisma.outboxMessage.findMany({ where: { platform: "webhook" }, select: { dedupeKey: true } })).map((r) => r.dedupeKey).sort();

describe.runIf(onPostgres)("the relay never skips a row that commits after a newer one", () => {
  let services: Services;
  let deps: RelayDeps;
  beforeAll(async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    deps = { prisma: services.prisma, webhooks: config, gateway: null };
  });
  afterAll(async () => {
    await services?.db.close();
  });

  it("an entry whose transaction is still open when a later entry commits is relayed once it commits", async () => {
    const [slow, fast] = [await newAccount(services), await newAccount(services)];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let slowEntryId = 0n;
    let posted!: () => void;
    const slowPosted = new Promise<void>((resolve) => (posted = resolve));
    // The slow transaction takes its entry id first, then stays open.
    const slowTx = services.prisma.$transaction(
      async (tx) => {
        const result = await postEntries(tx, { idempotencyKey: "horizon:slow", lines: [{ accountId: slow, type: "voucher", bucket: "promo", amount: 1_000_000n }], actor: { type: "system" } });
        slowEntryId = result.entries[0].id;
        posted();
        await held;
      },
      { timeout: 20_000 },
    );
    await slowPosted;
    const fastResult = await post(services.prisma, { idempotencyKey: "horizon:fast", lines: [{ accountId: fast, type: "voucher", bucket: "promo", amount: 2_000_000n }], actor: { type: "system" } });
    const fastEntryId = fastResult.entries[0].id;
    expect(fastEntryId).toBeGreaterThan(slowEntryId);

    // The newer entry is visible, the older one is not yet: the relay must not move past it.
    for (let i = 0; i < 3; i++) await relayRound(deps, "ledger_entries");
    const cursor = await services.prisma.relayCursor.findUniqueOrThrow({ where: { source: "ledger_entries" } });
    expect(cursor.position).toBeLessThan(slowEntryId);
    expect(await entryEvents(services)).toEqual([]);

    release();
    await slowTx;
    await relayOnce(deps);
    expect(await entryEvents(services)).toEqual([`webhook:all:ledger.entry:${slowEntryId}`, `webhook:all:ledger.entry:${fastEntryId}`].sort());
    await expectReconciled(services);
  });
});
