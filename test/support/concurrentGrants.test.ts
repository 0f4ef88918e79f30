import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import type { Services } from "../../src/services.ts";
import { onPostgres } from "../helpers/db.ts";
import { createTestServices } from "../helpers/services.ts";

/**
 * Vouchers and adjustments given to one account at the same moment by several support members
 * (found by the reliability run: 40P01). The request row's foreign key took a key-share lock on
 * the account before the ledger's FOR UPDATE; each grant now locks the account first.
 */
describe.skipIf(!onPostgres)("grants to one account at once", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createTestServices();
  });
  afterAll(async () => {
    await services?.db.close();
  });

  const customer: Caller = { platform: "console", workspaceId: "local", userId: "grant-customer", locale: "en", isSupport: false };
  const member = (n: number): Caller => ({ platform: "console", workspaceId: "local", userId: `grant-support-${n}`, locale: "en", isSupport: true });

  it("four members, ten rounds of vouchers and adjustments: every grant is applied, none fails", async () => {
    await dispatch(registry, services, customer, "balance", {});
    const accountId = (await services.prisma.chatIdentity.findFirstOrThrow({ where: { userId: customer.userId } })).accountId;
    const failures: string[] = [];
    for (let round = 0; round < 10; round++) {
      const replies = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          n % 2
            ? dispatch(registry, services, member(n), "voucher", { account: accountId, amount: "1", reason: `round ${round}` })
            : dispatch(registry, services, member(n), "adjust", { account: accountId, amount: "+1", bucket: "principal", reason: `round ${round}` }),
        ),
      );
      failures.push(...replies.filter((r) => r.error).map((r) => r.summary ?? "?"));
    }
    expect(failures).toEqual([]);
    const applied = await services.prisma.adjustmentRequest.count({ where: { accountId, status: "applied" } });
    expect(applied).toBe(40);
    const buckets = await services.prisma.balance.findMany({ where: { accountId, bucket: { in: ["promo", "principal"] } } });
    expect(Object.fromEntries(buckets.map((b) => [b.bucket, b.amount]))).toEqual({ promo: 20_000_000n, principal: 20_000_000n });
  });
});
