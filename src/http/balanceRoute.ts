import { formatDecimal } from "../ledger/money.ts";
import { BUCKETS, emptyBalances, totalOf, type Bucket } from "../ledger/types.ts";
import type { Services } from "../services.ts";
import type { RouteHandler } from "./guard.ts";
import { HttpError, pathParam, sendJson } from "./io.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * GET /api/v1/accounts/:id/balance, for the gateway's "insufficient balance" pre-check. Read from
 * the cached balances, so the answer costs the same however many entries the account has.
 * Amounts are integer strings of micro-USD. `status` is "active" or "suspended": support suspends
 * an account with `suspend`, and the gateway is expected to refuse its requests whatever its balance.
 */
export function balanceRoute(services: Services): RouteHandler {
  return async (req, res) => {
    const id = pathParam(req, "id").toLowerCase();
    if (!UUID.test(id)) throw new HttpError(400, "invalid_account_id", "the account id must be a UUID");
    const account = await services.prisma.account.findUnique({
      where: { id },
      select: { id: true, status: true, lowBalanceThreshold: true, balances: { select: { bucket: true, amount: true } } },
    });
    if (!account) throw new HttpError(404, "account_not_found", `no account ${id}`);
    const buckets = emptyBalances();
    for (const row of account.balances) buckets[row.bucket as Bucket] = row.amount;
    const balance = totalOf(buckets);
    sendJson(res, 200, {
      accountId: account.id,
      status: account.status,
      unit: "micro-USD",
      balance: balance.toString(),
      balanceUsd: formatDecimal(balance, 2).replace(/,/g, ""),
      buckets: Object.fromEntries(BUCKETS.map((b) => [b, buckets[b].toString()])),
      lowBalanceThreshold: account.lowBalanceThreshold?.toString() ?? null,
    });
  };
}
