import type { Platform } from "../core/command.ts";
import type { Tx } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { formatOrderNo } from "../topups/orderStatus.ts";
import { chainProofKey } from "../topups/proofKey.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Slack `<@U123>` / `<@U123|name>` (with escaping on), Discord `<@123>` / `<@!123>`. */
const MENTION = /^<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>$/;
const ORDER_NO = /^cd-?(\d{1,9})$/i;
/** EVM hashes carry 0x; TRON explorers show the same 64 hex digits without it. */
const TX_HASH = /^(?:0x)?([0-9a-f]{64})$/i;
/** Slack without escaping sends a mention as the plain display name. */
const AT_NAME = /^@(\S{1,80})$/;

export interface AccountMatch {
  accountId: string;
  /** How the query named it, for the reader ("order CD-000012", "user <@U123>"). */
  via: "account_id" | "user" | "order" | "tx_hash";
  /** The order named (by number, id or the hash it cites). */
  orderNo?: string;
  orderId?: string;
}

/**
 * The account support means by what they pasted: an account id, a chat user (a mention, a user
 * id, `@name`), an order (number or id) or a transaction hash (the order citing it). A user id
 * found on several platforms is taken from the caller's own when that settles it; anything still
 * ambiguous is refused with the candidates, never guessed.
 */
export async function findAccount(tx: Tx, caller: { platform: Platform }, query: string, field = "account"): Promise<AccountMatch> {
  const text = query.trim();
  const notFound = () => new UserError("support_tools.errors.not_found", { query: text.slice(0, 80) }, field);
  if (!text) throw notFound();

  if (UUID.test(text)) {
    const id = text.toLowerCase();
    const account = await tx.account.findUnique({ where: { id }, select: { id: true } });
    if (account) return { accountId: account.id, via: "account_id" };
    const order = await tx.topupOrder.findUnique({ where: { id }, select: { id: true, orderNo: true, accountId: true } });
    if (order) return { accountId: order.accountId, via: "order", orderNo: order.orderNo, orderId: order.id };
    throw notFound();
  }

  const orderNo = ORDER_NO.exec(text);
  if (orderNo) {
    const order = await tx.topupOrder.findUnique({ where: { orderNo: formatOrderNo(Number(orderNo[1])) }, select: { id: true, orderNo: true, accountId: true } });
    if (!order) throw notFound();
    return { accountId: order.accountId, via: "order", orderNo: order.orderNo, orderId: order.id };
  }

  const hash = TX_HASH.exec(text);
  if (hash) {
    const orders = await tx.topupOrder.findMany({
      where: { proofKey: chainProofKey(`0x${hash[1]}`) },
      select: { id: true, orderNo: true, accountId: true },
      orderBy: { seq: "asc" },
    });
    if (orders.length === 0) throw notFound();
    // Exchanges batch withdrawals: one hash may prove orders of several customers.
    if (new Set(orders.map((o) => o.accountId)).size > 1) {
      throw new UserError("support_tools.errors.ambiguous_hash", { orders: orders.map((o) => o.orderNo).join(", ") }, field);
    }
    return { accountId: orders[0].accountId, via: "tx_hash", orderNo: orders[0].orderNo, orderId: orders[0].id };
  }

  const atName = AT_NAME.exec(text);
  const identities = atName
    ? await tx.chatIdentity.findMany({ where: { displayName: { equals: atName[1], mode: "insensitive" } }, select: { accountId: true, platform: true, userId: true } })
    : await tx.chatIdentity.findMany({ where: { userId: MENTION.exec(text)?.[1] ?? text }, select: { accountId: true, platform: true, userId: true } });
  const accounts = distinctAccounts(identities);
  if (accounts.length === 1) return { accountId: accounts[0], via: "user" };
  const onCallerPlatform = distinctAccounts(identities.filter((i) => i.platform === caller.platform));
  if (onCallerPlatform.length === 1) return { accountId: onCallerPlatform[0], via: "user" };
  if (accounts.length === 0) throw notFound();
  throw new UserError("support_tools.errors.ambiguous_user", { query: text.slice(0, 80), accounts: accounts.join(", ") }, field);
}

function distinctAccounts(identities: { accountId: string }[]): string[] {
  return [...new Set(identities.map((i) => i.accountId))].sort();
}
