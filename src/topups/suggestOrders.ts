import { findAccountOf } from "../accounts/resolveAccount.ts";
import type { Caller, CommandDefinition } from "../core/command.ts";
import type { Services } from "../services.ts";
import type { Order } from "./order.ts";
import { searchOrders, type OrderSearch } from "./searchOrders.ts";

/**
 * Customer commands that act on an order in one state only: a submitted order can be neither
 * cancelled nor given another proof, so it is not offered there.
 */
const CUSTOMER_STATUSES: Record<string, OrderSearch["statuses"]> = { cancel: ["pending"], proof: ["pending"] };

/**
 * The orders someone typing an order number into a command could mean, by the command's audience:
 * a customer their own open orders (newest first; for cancel and proof, those still pending),
 * support the queue of submissions (longest waiting first), and for reopen, the rejected orders it
 * can act on. Someone who is not support is offered no one's orders in a support command, and a
 * customer without an account none (looking never creates one): suggestions never show more than
 * the command would.
 */
export async function suggestOrders(
  services: Services,
  request: { command: Pick<CommandDefinition, "name" | "audience">; caller: Pick<Caller, "platform" | "workspaceId" | "userId" | "isSupport">; typed: string; take: number },
): Promise<Order[]> {
  const { command, caller } = request;
  let search: Omit<OrderSearch, "number" | "take">;
  if (command.audience === "customer") {
    const accountId = await findAccountOf(services, caller);
    if (!accountId) return [];
    search = { accountId, statuses: CUSTOMER_STATUSES[command.name] ?? ["pending", "submitted"], sort: "newest" };
  } else if (!caller.isSupport) {
    return [];
  } else if (command.name === "reopen") {
    search = { statuses: ["rejected"], sort: "newest" };
  } else {
    search = { statuses: ["submitted"], sort: "queue" };
  }
  return searchOrders(services.prisma, { ...search, number: request.typed, take: request.take });
}
