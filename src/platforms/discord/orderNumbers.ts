import type { CommandDefinition, OptionSpec } from "../../core/command.ts";
import { utcText } from "../../core/markup.ts";
import { findAccountOf } from "../../accounts/resolveAccount.ts";
import { translator, type Locale } from "../../i18n.ts";
import { formatUsd } from "../../ledger/money.ts";
import type { Order } from "../../topups/order.ts";
import { statusKey } from "../../topups/orderStatus.ts";
import { searchOrders, type OrderSearch } from "../../topups/searchOrders.ts";
import type { Services } from "../../services.ts";
import type { AutocompleteRequest, AutocompleteSource } from "./autocompleteSource.ts";
import { discordPlain } from "./markdown.ts";
import { truncate } from "./render.ts";

/** Options that name a top-up order (`order` of cancel, proof, check, confirm, reject, reopen, recheck). */
export function takesOrderNumber(spec: Pick<OptionSpec, "name" | "kind">): boolean {
  return spec.kind === "string" && spec.name === "order";
}

/** Discord shows at most 25 suggestions. */
const MAX_CHOICES = 25;

/**
 * Customer commands that act on an order in one state only: a submitted order can be neither
 * cancelled nor given another proof, so it is not offered there.
 */
const CUSTOMER_STATUSES: Record<string, OrderSearch["statuses"]> = { cancel: ["pending"], proof: ["pending"] };

/**
 * What to suggest for an order number, by the command's audience: a customer sees their own open
 * orders (newest first; for cancel and proof, those still pending), support the queue of
 * submissions (longest waiting first), and for reopen, the rejected orders it can act on. Someone
 * who is not support is offered no one's orders in a support command: suggestions never show more
 * than the command would.
 */
function searchFor(command: CommandDefinition, isSupport: boolean): Omit<OrderSearch, "number" | "take" | "accountId"> | null {
  if (command.audience === "customer") return { statuses: CUSTOMER_STATUSES[command.name] ?? ["pending", "submitted"], sort: "newest" };
  if (!isSupport) return null;
  if (command.name === "reopen") return { statuses: ["rejected"], sort: "newest" };
  return { statuses: ["submitted"], sort: "queue" };
}

export const orderNumbers: AutocompleteSource = async ({ command, option, typed, caller, services }: AutocompleteRequest) => {
  if (!takesOrderNumber(option)) return undefined;
  const search = searchFor(command, caller.isSupport);
  if (!search) return [];
  let accountId: string | undefined;
  if (command.audience === "customer") {
    // Never creates an account: typing is not a first contact.
    const own = await findAccountOf(services, caller);
    if (!own) return [];
    accountId = own;
  }
  const orders = await searchOrders(services.prisma, { ...search, accountId, number: typed, take: MAX_CHOICES });
  return orders.map((order) => ({ name: choiceName(order, command.audience, caller.locale, services), value: order.orderNo }));
};

/** A suggestion as the reader picks it: the number first, then what tells one order from another. Plain text, at most 100 characters. */
function choiceName(order: Order, audience: CommandDefinition["audience"], locale: Locale, services: Services): string {
  const t = translator(locale);
  const amount = formatUsd(order.requestedAmount);
  if (audience === "customer") {
    return truncate(discordPlain(t("discord.autocomplete.own_order", { order: order.orderNo, amount, status: t(statusKey(order.status)), time: utcText(order.createdAt) })), 100);
  }
  const method = services.methods.methods.find((m) => m.id === order.methodId);
  const methodName = method ? (method.label[locale] ?? method.label.en) : order.methodId;
  const at = order.status === "submitted" ? (order.submittedAt ?? order.createdAt) : (order.decidedAt ?? order.createdAt);
  return truncate(discordPlain(t("discord.autocomplete.support_order", { order: order.orderNo, amount, method: methodName, time: utcText(at) })), 100);
}
