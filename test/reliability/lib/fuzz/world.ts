import type { Caller } from "../../../../src/core/command.ts";
import { dispatch, type Registry } from "../../../../src/core/dispatch.ts";
import { deliverDue } from "../../../../src/notify/outbox.ts";
import { consoleDeliverer } from "../../../../src/platforms/console/deliverer.ts";
import type { Reply } from "../../../../src/reply.ts";
import { outboxRenderer } from "../../../../src/views/outbox.ts";
import type { Services } from "../../../../src/services.ts";
import { PNG_BYTES } from "../../../helpers/services.ts";
import type { FuzzWorld } from "./inputs.ts";

/**
 * The database the fuzzers run against: accounts for every user who will type (so nothing is
 * created on first contact during the fuzz), each customer with a pending order of their own, and
 * another customer's orders in every state (pending, submitted, rejected, confirmed, cancelled).
 */
export async function buildWorld(services: Services, registry: Registry, users: Caller[]): Promise<FuzzWorld> {
  const run = async (caller: Caller, command: string, args: Record<string, unknown>): Promise<Reply> => {
    const reply = await dispatch(registry, services, caller, command, args);
    if (reply.error) throw new Error(`fuzz set-up: ${command} ${JSON.stringify(args).slice(0, 100)} failed: ${reply.summary ?? JSON.stringify(reply.blocks).slice(0, 300)}`);
    return reply;
  };
  const orderNo = (reply: Reply) => /CD-\d{6,}/.exec(`${reply.summary ?? ""} ${JSON.stringify(reply.blocks)}`)![0];
  const support: Caller = { platform: "console", workspaceId: "local", userId: "fz-setup-support", displayName: "Setup support", locale: "en", isSupport: true };
  const other: Caller = { platform: "console", workspaceId: "local", userId: "fz-other-customer", displayName: "Other", locale: "en", isSupport: false };
  let hash = 0;
  const nextHash = () => `0x${"fa".repeat(20)}${String(++hash).padStart(24, "0")}`;
  const proof = (caller: Caller, order: string) => run(caller, "proof", { order, txHash: nextHash(), screenshot: { name: "p.png", bytes: PNG_BYTES } });

  const pending = orderNo(await run(other, "topup", { method: "trc20", amount: "10" }));
  const submitted = orderNo(await run(other, "topup", { method: "trc20", amount: "11" }));
  await proof(other, submitted);
  const rejected = orderNo(await run(other, "topup", { method: "trc20", amount: "12" }));
  await proof(other, rejected);
  await run(support, "reject", { order: rejected, reason: "wrong_network" });
  const confirmed = orderNo(await run(other, "topup", { method: "bank", amount: "100" }));
  await run(other, "proof", { order: confirmed, txHash: "REF-FUZZ-0001", screenshot: { name: "p.png", bytes: PNG_BYTES } });
  await run(support, "confirm", { order: confirmed });
  const cancelled = orderNo(await run(other, "topup", { method: "erc20", amount: "13" }));
  await run(other, "cancel", { order: cancelled });

  const ownPending = new Map<string, string[]>();
  let amount = 20;
  for (const user of users) {
    await run(user, "balance", {});
    if (user.isSupport) continue;
    const mine = orderNo(await run(user, "topup", { method: "trc20", amount: String(amount++) }));
    ownPending.set(user.userId, [mine]);
  }

  // The set-up's cards and messages are delivered now (a console session delivers what is due
  // after every line: left pending, they would show as writes of the first fuzz line).
  for (let round = 0; round < 50; round++) {
    const handled = await deliverDue({ prisma: services.prisma, deliverers: { console: consoleDeliverer(() => undefined) }, render: outboxRenderer(services) });
    if (handled === 0) break;
  }

  const rows = await services.prisma.topupOrder.findMany({ select: { id: true, orderNo: true, status: true } });
  const both = (o: { id: string; orderNo: string }) => [o.orderNo, o.id];
  const mineIds = new Map(rows.map((r) => [r.orderNo, r.id]));
  for (const [user, nos] of ownPending) ownPending.set(user, nos.flatMap((no) => [no, mineIds.get(no)!]));
  const open = rows.filter((r) => ["pending", "submitted", "rejected"].includes(r.status));
  const closed = rows.filter((r) => ["confirmed", "cancelled"].includes(r.status));
  const foreign = rows.filter((r) => [pending, submitted, rejected, confirmed, cancelled].includes(r.orderNo));
  return {
    methods: services.methods,
    openOrders: open.flatMap(both),
    closedOrders: closed.flatMap(both),
    foreignOrders: foreign.flatMap(both),
    ownPending,
  };
}
