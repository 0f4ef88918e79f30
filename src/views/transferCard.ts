import { getAddress } from "ethers";
import { timeToken } from "../core/markup.ts";
import { hexToTron } from "../chain/tron.ts";
import { displayTxHash } from "../chain/txHash.ts";
import { translator, type Locale } from "../i18n.ts";
import { formatDecimal } from "../ledger/money.ts";
import { formatPaymentNo } from "../payments/paymentNo.ts";
import type { TransferCardData } from "../payments/transferCardOutbox.ts";
import type { Block, ButtonSpec, Reply } from "../reply.ts";
import { findMethod, isUsdt, type MethodsConfig } from "../methods/paymentMethods.ts";

/**
 * The card of a payment that arrived on chain and matched no open order: what arrived, from whom,
 * to which address, why it matched nothing, and buttons to credit it to an order or an account as
 * it arrived, or to dismiss it with a note. A decided card says what became of it and who decided.
 */
export function transferCard(transfer: TransferCardData, options: { methods: MethodsConfig; locale: Locale }): Reply {
  const t = translator(options.locale);
  const method = findMethod(options.methods, transfer.network);
  const network = method && isUsdt(method) ? method : undefined;
  const address = (hex: string) => (network?.family === "tron" ? hexToTron(hex) : getAddress(hex));
  const paymentNo = formatPaymentNo(transfer.id);
  const amount = `${formatDecimal(transfer.amountMicros)} USDT`;
  const hash = network ? displayTxHash(network.family, transfer.txHash) : transfer.txHash;

  const blocks: Block[] = [
    { type: "header", text: t("payments.card.title", { payment: paymentNo }) },
    {
      type: "fields",
      fields: [
        { label: t("payments.card.network"), value: method?.label[options.locale] ?? method?.label.en ?? transfer.network },
        { label: t("payments.card.amount"), value: amount },
        { label: t("payments.card.from"), value: address(transfer.fromAddress) },
        { label: t("payments.card.to"), value: transfer.accountId ? t("payments.card.to_account", { address: address(transfer.toAddress), account: transfer.accountId }) : address(transfer.toAddress) },
        { label: t("payments.card.block"), value: `${transfer.blockNumber}${transfer.blockTime ? ` · ${timeToken(transfer.blockTime)}` : ""}` },
        { label: t("payments.card.tx_hash"), value: `${hash} #${transfer.logIndex}` },
      ],
    },
  ];
  if (network) blocks.push({ type: "link", label: t("payments.card.explorer"), url: network.explorerTxUrl.replace("{hash}", hash) });
  if (transfer.reason) blocks.push({ type: "text", text: t(`payments.reason.${transfer.reason}`) });
  if (transfer.candidates?.length) {
    blocks.push({ type: "context", text: t("payments.card.candidates", { orders: transfer.candidates.map((c) => `${c.orderNo} (${t(`topups.status.${c.status}`)})`).join(", ") }) });
  }

  if (transfer.status === "unmatched") {
    const confirm = (target: string) => ({
      title: t("payments.card.credit_title"),
      text: t("payments.card.credit_text", { payment: paymentNo, amount, target }),
      confirm: t("payments.card.credit"),
      deny: t("common.back"),
    });
    const buttons: ButtonSpec[] = [];
    for (const candidate of transfer.candidates ?? []) {
      buttons.push({ label: t("payments.card.credit_to", { target: candidate.orderNo }), style: "primary", command: "payment-credit", args: { payment: paymentNo, target: candidate.orderNo }, confirm: confirm(candidate.orderNo) });
    }
    if (transfer.accountId) {
      buttons.push({ label: t("payments.card.credit_account"), style: "primary", command: "payment-credit", args: { payment: paymentNo, target: transfer.accountId }, confirm: confirm(transfer.accountId) });
    }
    buttons.push(
      { label: t("payments.card.credit_other"), style: "default", command: "payment-credit", args: { payment: paymentNo } },
      { label: t("payments.card.dismiss"), style: "danger", command: "payment-dismiss", args: { payment: paymentNo } },
    );
    blocks.push({ type: "buttons", buttons });
  } else {
    const by = transfer.decidedById ?? t("topups.card.automatic");
    const outcome =
      transfer.status === "dismissed"
        ? t("payments.card.outcome_dismissed", { by, note: transfer.note ?? "" })
        : t("payments.card.outcome_credited", { by, order: transfer.orderNo ?? "?" });
    blocks.push({ type: "divider" }, { type: "text", text: outcome });
  }
  return { blocks, summary: t("payments.card.summary", { payment: paymentNo, amount }) };
}
