import { recordAudit } from "../audit/recordAudit.ts";
import { verdictFromTransfer } from "../chain/verifyTransfer.ts";
import type { Tx } from "../db/index.ts";
import { UserError } from "../errors.ts";
import { countPosted } from "../metrics.ts";
import type { Services } from "../services.ts";
import { snapshotBonusRule } from "../topups/bonus.ts";
import { postSupportCard } from "../topups/cardOutbox.ts";
import { confirmLockedOrder, refuseOwnAccount, type ConfirmResult } from "../topups/confirmTopup.ts";
import { deciderLabel, type Decider } from "../topups/decider.ts";
import { findOrder, lockOrder } from "../topups/findOrder.ts";
import { findMethod, isUsdt, type UsdtNetwork } from "../methods/paymentMethods.ts";
import { formatOrderNo, normalizeOrderRef } from "../topups/orderStatus.ts";
import { chainProofKey } from "../topups/proofKey.ts";
import { Refusal, refuse } from "../topups/refusal.ts";
import { formatPaymentNo, parsePaymentRef } from "./paymentNo.ts";
import { updateTransferCard } from "./transferCardOutbox.ts";
import { toOrder, updateOrder } from "../topups/order.ts";

export interface CreditTransferInput {
  paymentRef: string;
  /** An order ("CD-000123") or an account id. */
  target: string;
  decider: Decider;
}

type Transfer = Awaited<ReturnType<typeof lockTransfer>>;

/**
 * Support credits a payment that matched no order, as it arrived: to an order (one that is still
 * open, or expired: a late payment) or straight to an account (a new order is made for it, so the
 * customer's history shows it). The transfer's log is credited once, whoever clicks, and the
 * decision is audited. Never to the decider's own account.
 */
export async function creditTransfer(services: Services, input: CreditTransferInput): Promise<ConfirmResult & { paymentNo: string }> {
  const transfer = await findTransfer(services, input.paymentRef);
  const paymentNo = formatPaymentNo(transfer.id);
  const network = findMethod(services.methods, transfer.network);
  if (!network || !isUsdt(network)) throw new UserError("errors.unknown_method", { method: transfer.network, methods: "" }, "payment");

  const target = await resolveTarget(services, input.target);
  const refs = { accountId: target.accountId, ...(target.kind === "order" ? { orderId: target.orderId } : {}) };
  await refuseOwnAccount(services, input.decider, "payment.credit", target.accountId, refs);

  try {
    const result = await services.prisma.$transaction(async (tx) => {
      const locked = await lockTransfer(tx, transfer.id);
      if (locked.status !== "unmatched") throw new Refusal("payment_decided", new UserError("errors.payment_decided", { payment: paymentNo }));
      const order = target.kind === "order" ? await lockOrder(tx, target.orderId) : await orderForAccount(tx, services, network, locked, target.accountId);
      if (order.payChain !== locked.chainKey || order.payToken !== locked.token) {
        throw new Refusal("wrong_network", new UserError("errors.payment_wrong_network", { payment: paymentNo, order: order.orderNo }, "target"));
      }
      const verdict = verdictFromTransfer(
        {
          network,
          txHash: locked.txHash,
          requestedAmount: order.instructedAmount,
          payAddress: locked.toAddress,
          // An order made for the payment itself is not older than it.
          createdAt: target.kind === "account" ? (locked.blockTime ?? order.createdAt) : order.createdAt,
          minimum: network.minimum,
        },
        { logIndex: locked.logIndex, token: locked.token, from: locked.fromAddress, to: locked.toAddress, amountRaw: locked.amountRaw, txHash: locked.txHash, blockNumber: Number(locked.blockNumber), blockHash: locked.blockHash },
        { head: Number(locked.blockNumber) + network.confirmations - 1, blockTime: locked.blockTime ? Math.floor(locked.blockTime.getTime() / 1000) : null },
        services.now(),
      );
      verdict.watch = "settled";
      const updated = await updateOrder(tx, order.id, {
          verdict,
          verifiedAt: services.now(),
          ...(order.proofKey === null ? { txHash: locked.txHash, proofKey: chainProofKey(locked.txHash), proofLogIndex: locked.logIndex } : {}),
        });
      const confirmed = await confirmLockedOrder(tx, services, updated, {
        decider: input.decider,
        from: ["pending", "submitted", "expired"],
        principal: locked.amountMicros,
        creditedLogs: [{ txHash: locked.txHash, logIndex: locked.logIndex, amountRaw: locked.amountRaw, to: locked.toAddress }],
        auditDetail: { payment: paymentNo, late: order.status === "expired" },
      });
      await tx.chainTransfer.update({
        where: { id: locked.id },
        data: { status: "credited", orderId: order.id, decidedById: deciderLabel(input.decider), decidedAt: services.now() },
      });
      await recordAudit(tx, {
        actorType: input.decider.type,
        actorId: input.decider.userId,
        platform: input.decider.platform,
        action: "payment.credit",
        outcome: "ok",
        orderId: order.id,
        accountId: order.accountId,
        detail: { payment: paymentNo, txHash: locked.txHash, logIndex: locked.logIndex, amount: locked.amountMicros.toString(), target: input.target },
      });
      await updateTransferCard(tx, services, locked.id, "credited");
      return confirmed;
    });
    countPosted(result.posting);
    return { ...result, paymentNo };
  } catch (err) {
    if (err instanceof Refusal) return refuse(services, input.decider, "payment.credit", err.reason, err.error, refs);
    throw err;
  }
}

/** Support sets a payment aside with a note (a test transfer, a payment already handled by hand). */
export async function dismissTransfer(services: Services, input: { paymentRef: string; note: string; decider: Decider }) {
  const note = input.note.trim();
  if (!note) throw new UserError("errors.payment_note_required", {}, "note");
  const transfer = await findTransfer(services, input.paymentRef);
  const paymentNo = formatPaymentNo(transfer.id);
  try {
    return await services.prisma.$transaction(async (tx) => {
      const locked = await lockTransfer(tx, transfer.id);
      if (locked.status !== "unmatched") throw new Refusal("payment_decided", new UserError("errors.payment_decided", { payment: paymentNo }));
      const dismissed = await tx.chainTransfer.update({
        where: { id: locked.id },
        data: { status: "dismissed", note, decidedById: deciderLabel(input.decider), decidedAt: services.now() },
      });
      await recordAudit(tx, {
        actorType: input.decider.type,
        actorId: input.decider.userId,
        platform: input.decider.platform,
        action: "payment.dismiss",
        outcome: "ok",
        accountId: locked.accountId ?? undefined,
        detail: { payment: paymentNo, txHash: locked.txHash, logIndex: locked.logIndex, note },
      });
      await updateTransferCard(tx, services, locked.id, "dismissed");
      return { ...dismissed, paymentNo };
    });
  } catch (err) {
    if (err instanceof Refusal) return refuse(services, input.decider, "payment.dismiss", err.reason, err.error, {});
    throw err;
  }
}

async function findTransfer(services: Services, ref: string) {
  const id = parsePaymentRef(ref);
  if (id === null) throw new UserError("errors.payment_ref_format", { ref: ref.slice(0, 40) }, "payment");
  const transfer = await services.prisma.chainTransfer.findUnique({ where: { id } });
  if (!transfer) throw new UserError("errors.payment_not_found", { payment: formatPaymentNo(id) }, "payment");
  return transfer;
}

async function lockTransfer(tx: Tx, id: bigint) {
  await tx.$queryRaw`SELECT "id" FROM "chain_transfers" WHERE "id" = ${id} FOR UPDATE`;
  return tx.chainTransfer.findUniqueOrThrow({ where: { id } });
}

type Target = { kind: "order"; orderId: string; accountId: string } | { kind: "account"; accountId: string };

async function resolveTarget(services: Services, text: string): Promise<Target> {
  const value = text.trim();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    const account = await services.prisma.account.findUnique({ where: { id: value.toLowerCase() } });
    if (account) return { kind: "account", accountId: account.id };
  }
  if (normalizeOrderRef(value) === null) throw new UserError("errors.payment_target", { target: value.slice(0, 60) }, "target");
  const order = await findOrder(services.prisma, value, { field: "target" });
  return { kind: "order", orderId: order.id, accountId: order.accountId };
}

/** A new order for a payment credited straight to an account: what it paid, on the network it paid on. */
async function orderForAccount(tx: Tx, services: Services, network: UsdtNetwork, transfer: Transfer, accountId: string) {
  const identity = await tx.chatIdentity.findFirst({ where: { accountId }, orderBy: { createdAt: "desc" } });
  const account = await tx.account.findUniqueOrThrow({ where: { id: accountId } });
  const [{ seq }] = await tx.$queryRaw<{ seq: bigint }[]>`SELECT nextval(pg_get_serial_sequence('"topup_orders"', 'seq')) AS seq`;
  const now = services.now();
  const order = await tx.topupOrder.create({
    data: {
      seq: Number(seq),
      orderNo: formatOrderNo(Number(seq)),
      accountId,
      methodId: network.id,
      methodKind: "usdt",
      network: network.id,
      requestedAmount: transfer.amountMicros,
      instructedAmount: transfer.amountMicros,
      attribution: network.attribution,
      payChain: transfer.chainKey,
      payToken: transfer.token,
      payAddress: transfer.toAddress,
      status: "submitted",
      bonusRule: snapshotBonusRule(network.bonus) as object,
      expiresAt: now,
      surface: identity?.platform ?? "console",
      customerWorkspace: identity?.workspaceId ?? "local",
      customerUserId: identity?.userId ?? `account:${accountId}`,
      locale: identity?.locale ?? account.locale,
      txHash: transfer.txHash,
      proofKey: chainProofKey(transfer.txHash),
      proofLogIndex: transfer.logIndex,
      submittedAt: now,
      createdAt: now,
    },
  });
  const created = toOrder(order);
  await postSupportCard(tx, created);
  return created;
}
