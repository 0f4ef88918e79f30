import type { CommandDefinition, OptionSpec } from "../../core/command.ts";
import { utcText } from "../../core/markup.ts";
import { translator, type Locale } from "../../i18n.ts";
import { formatUsd } from "../../ledger/money.ts";
import type { Order } from "../../topups/order.ts";
import { statusKey } from "../../topups/orderStatus.ts";
import { suggestOrders } from "../../topups/suggestOrders.ts";
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

export const orderNumbers: AutocompleteSource = async ({ command, option, typed, caller, services }: AutocompleteRequest) => {
  if (!takesOrderNumber(option)) return undefined;
  const orders = await suggestOrders(services, { command, caller, typed, take: MAX_CHOICES });
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
