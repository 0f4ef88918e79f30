import { every, Wakeup } from "../lib/loop.ts";
import { detectPaymentsOnce, type DetectionResult } from "./detectPayments.ts";
import { withConflicts } from "./transferConflicts.ts";
import type { Services } from "../services.ts";
import { chainKeyOfOrder } from "../topups/confirmTopup.ts";
import { expireOrders } from "../topups/expireOrders.ts";
import { isUsdt, type UsdtNetwork } from "../methods/paymentMethods.ts";
import { wsRpcUrls } from "../chain/network.ts";
import { autoConfirmOrder } from "./autoConfirmOrder.ts";
import { decideAuto, isHeld } from "./decideAuto.ts";
import { subscribeHeads } from "../chain/heads.ts";
import { chainClientFor, closeChainClientsOf } from "../chain/rpc.ts";
import { saveVerdict } from "./saveVerdict.ts";
import { parseVerdict } from "../chain/verdict.ts";
import { newVerificationRound, verifyTransfer, type VerificationRound } from "../chain/verifyTransfer.ts";

/**
 * The chain watcher (runs in `npm run worker`). Per network with an RPC, every pollIntervalMs it
 * re-verifies the submitted orders that are still open (new, waiting for confirmations, or whose
 * last check hit an RPC failure), stores each verdict on its order, and on networks that
 * auto-confirm credits the ones that pass. Apart from that, it expires pending orders past their
 * deadline. Several workers may run it: the confirm path credits an order once, whoever is first.
 */

export interface RoundResult {
  network: string;
  checked: number;
  credited: number;
  held: number;
  rpcFailures: number;
}

export interface RoundOptions {
  /** At most this many orders per round (the oldest submissions first). */
  limit?: number;
  /** Orders handled side by side; the RPC limiter still bounds the calls. */
  concurrency?: number;
}

interface OpenOrder {
  id: string;
  methodId: string;
  txHash: string;
  instructedAmount: bigint;
  attribution: string | null;
  payChain: string | null;
  payAddress: string | null;
  createdAt: Date;
  submittedAt: Date | null;
  verdict: unknown;
}

async function openOrders(services: Services, network: UsdtNetwork, limit: number): Promise<OpenOrder[]> {
  const rows = await services.prisma.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "topup_orders"
    WHERE "status" = 'submitted' AND "network" = ${network.id} AND "txHash" IS NOT NULL
      AND ("verdict" IS NULL OR ("verdict"->>'watch') IS DISTINCT FROM 'settled')
    ORDER BY "submittedAt" ASC NULLS FIRST, "id"
    LIMIT ${limit}`;
  if (rows.length === 0) return [];
  const orders = await services.prisma.topupOrder.findMany({
    where: { id: { in: rows.map((r) => r.id) } },
    select: { id: true, methodId: true, txHash: true, instructedAmount: true, attribution: true, payChain: true, payAddress: true, createdAt: true, submittedAt: true, verdict: true },
  });
  const position = new Map(rows.map((r, i) => [r.id, i]));
  return orders
    .flatMap((o) => (o.txHash === null ? [] : [{ ...o, txHash: o.txHash }]))
    .sort((a, b) => position.get(a.id)! - position.get(b.id)!);
}

async function watchOrder(services: Services, network: UsdtNetwork, order: OpenOrder, round: VerificationRound, result: RoundResult): Promise<void> {
  const previous = parseVerdict(order.verdict);
  const verdict = await withConflicts(
    services.prisma,
    order,
    chainKeyOfOrder(services, order),
    await verifyTransfer(
      { network, txHash: order.txHash, requestedAmount: order.instructedAmount, payAddress: order.payAddress ?? undefined, createdAt: order.createdAt, minimum: network.minimum },
      { now: services.now, round },
    ),
  );
  result.checked += 1;
  if (verdict.error) result.rpcFailures += 1;

  const decision = decideAuto(verdict, network, order.submittedAt, services.now(), order.attribution);
  verdict.watch = decision.watch;
  if (decision.outcome) verdict.auto = { outcome: decision.outcome, ...(network.autoConfirmCap !== undefined ? { cap: network.autoConfirmCap.toString() } : {}) };
  // A held order waits for a person: the watcher records what it sees but never credits it.
  if (isHeld(previous)) {
    verdict.auto = previous!.auto;
    verdict.watch = "settled";
    decision.credit = false;
  }

  if (!decision.credit) {
    await saveVerdict(services, { orderId: order.id, txHash: order.txHash, verdict });
    return;
  }
  const outcome = await autoConfirmOrder(services, network, order, verdict);
  if (outcome === "credited") result.credited += 1;
  else if (outcome === "held") result.held += 1;
  else if (outcome === "rpc_unavailable") result.rpcFailures += 1;
}

/** One round over a network's open orders. Exported for tests, the bench and a one-shot CLI. */
export async function watchNetworkOnce(services: Services, network: UsdtNetwork, options: RoundOptions = {}): Promise<RoundResult> {
  const result: RoundResult = { network: network.id, checked: 0, credited: 0, held: 0, rpcFailures: 0 };
  if (network.rpcUrls.length === 0) return result;
  const orders = await openOrders(services, network, options.limit ?? 1000);
  if (orders.length === 0) return result;
  const round = newVerificationRound(chainClientFor(network));
  const queue = [...orders];
  const workers = Array.from({ length: Math.min(queue.length, options.concurrency ?? network.rpcConcurrency * 4) }, async () => {
    for (let order = queue.shift(); order; order = queue.shift()) {
      try {
        await watchOrder(services, network, order, round, result);
      } catch (err) {
        services.log.error({ err, order: order.id, network: network.id }, "chain watcher: order failed");
      }
    }
  });
  await Promise.all(workers);
  return result;
}

export interface ChainWatcherOptions {
  /** How often pending orders are expired; 0 leaves expiry to another loop. */
  expiryIntervalMs?: number;
  /** Called after each network round (metrics, tests). */
  onRound?: (result: RoundResult) => void;
  /** Called after each log scan (metrics, tests, the bench). */
  onDetection?: (result: DetectionResult) => void;
}

/**
 * Runs the watcher until the signal aborts: one loop per network with an RPC, and the expiry loop.
 * Each round of a network first scans its logs for payments (detection without a hash), then
 * re-verifies its submitted orders. A network with a ws(s):// URL also runs a round on each new
 * head; the poll interval carries on underneath, alone while the socket is down.
 * Resolves once every loop has finished its current round.
 */
export async function startChainWatcher(services: Services, signal: AbortSignal, options: ChainWatcherOptions = {}): Promise<void> {
  const networks = services.methods.methods.filter(isUsdt).filter((n) => n.rpcUrls.length > 0);
  services.log.info({ networks: networks.map((n) => n.id) }, "chain watcher started");
  const subscriptions: { stop(): void }[] = [];
  const loops = networks.map((network) => {
    const wakeup = new Wakeup();
    for (const url of wsRpcUrls(network)) subscriptions.push(subscribeHeads(url, () => wakeup.wake(), { log: services.log }));
    return every(
      network.pollIntervalMs,
      signal,
      async () => {
        try {
          const detection = await detectPaymentsOnce(services, network);
          if (detection.transfers > 0) services.log.info(detection, "chain watcher: payments detected");
          options.onDetection?.(detection);
        } catch (err) {
          services.log.error({ err, network: network.id }, "chain watcher: log scan failed");
        }
        const result = await watchNetworkOnce(services, network);
        if (result.checked > 0) services.log.info(result, "chain watcher round");
        options.onRound?.(result);
      },
      (err) => services.log.error({ err, network: network.id }, "chain watcher: round failed"),
      wakeup,
    );
  });
  const expiryIntervalMs = options.expiryIntervalMs ?? 15_000;
  if (expiryIntervalMs > 0) {
    loops.push(
      every(
        expiryIntervalMs,
        signal,
        async () => {
          const expired = await expireOrders(services);
          if (expired > 0) services.log.info({ expired }, "expired pending orders");
        },
        (err) => services.log.error({ err }, "chain watcher: expiry failed"),
      ),
    );
  }
  await Promise.all(loops);
  for (const subscription of subscriptions) subscription.stop();
  closeChainClientsOf(networks);
  services.log.info("chain watcher stopped");
}
