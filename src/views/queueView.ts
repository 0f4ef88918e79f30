import { timeToken } from "../core/markup.ts";
import type { Translator, Locale } from "../i18n.ts";
import { formatUsd } from "../ledger/money.ts";
import { findMethod, type MethodsConfig } from "../methods/paymentMethods.ts";
import type { Block, ButtonSpec, Reply } from "../reply.ts";

/** Orders a page shows: each is a line and a row of two buttons, so ten fit one Discord message. */
export const QUEUE_PAGE_SIZE = 10;

export interface QueueOrder {
  orderNo: string;
  methodId: string;
  requestedAmount: bigint;
  submittedAt: Date | null;
  createdAt: Date;
  accountId: string;
}

export interface QueuePage {
  orders: QueueOrder[];
  /** Every order waiting, not only this page's: the header tells the truth about the backlog. */
  total: number;
  /** 1-based. */
  page: number;
}

export function queuePages(total: number): number {
  return Math.max(1, Math.ceil(total / QUEUE_PAGE_SIZE));
}

/**
 * The support queue, one section per order: its line, then its own buttons labelled with its order
 * number (a button far from its line must still say which order it decides). The header gives the
 * true count; the pager moves between pages of QUEUE_PAGE_SIZE.
 */
export function queueView(data: QueuePage, options: { methods: MethodsConfig; locale: Locale }, t: Translator): Reply {
  if (data.total === 0) return { blocks: [{ type: "text", text: t("support.queue_empty") }], private: true, summary: t("support.queue_empty") };
  const pages = queuePages(data.total);
  const title = t("support.queue.title", { count: data.total });
  const blocks: Block[] = [
    { type: "header", text: title },
    { type: "context", text: t("support.queue.shown", { shown: data.orders.length, count: data.total, page: data.page, pages }) },
  ];
  for (const o of data.orders) {
    const method = findMethod(options.methods, o.methodId);
    blocks.push(
      {
        type: "text",
        text: t("support.queue.line", {
          order: o.orderNo,
          method: method?.label[options.locale] ?? method?.label.en ?? o.methodId,
          amount: formatUsd(o.requestedAmount),
          time: timeToken(o.submittedAt ?? o.createdAt, "relative"),
          account: o.accountId,
        }),
      },
      {
        type: "buttons",
        buttons: [
          {
            label: t("support.queue.confirm", { order: o.orderNo }),
            style: "primary",
            command: "confirm",
            args: { order: o.orderNo },
            confirm: { title: t("topups.card.confirm_title"), text: t("support.queue_confirm_text", { order: o.orderNo }), confirm: t("topups.card.confirm"), deny: t("common.back") },
          },
          { label: t("support.queue.reject", { order: o.orderNo }), style: "danger", command: "reject", args: { order: o.orderNo } },
        ],
      },
    );
  }
  const pager: ButtonSpec[] = [];
  if (data.page > 1) pager.push({ label: t("support.queue.previous"), style: "default", command: "queue", args: { page: String(data.page - 1) } });
  if (data.page < pages) pager.push({ label: t("support.queue.next"), style: "default", command: "queue", args: { page: String(data.page + 1) } });
  if (pager.length) blocks.push({ type: "divider" }, { type: "buttons", buttons: pager });
  return { blocks, private: true, summary: title };
}
