import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolveAccount } from "../../src/accounts/resolveAccount.ts";
import type { Caller } from "../../src/core/command.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { deliverDue, type Deliverers } from "../../src/notify/outbox.ts";
import type { Services } from "../../src/services.ts";
import { confirmTopup } from "../../src/topups/confirmTopup.ts";
import { createOrder } from "../../src/topups/createOrder.ts";
import { submitProof } from "../../src/topups/submitProof.ts";
import { outboxRenderer } from "../../src/views/outbox.ts";
import { PNG_BYTES } from "../helpers/services.ts";

export const SUPPORT = { type: "support" as const, platform: "console" as const, workspaceId: "local", userId: "support-1" };

export function customer(userId: string): Caller {
  return { platform: "console", workspaceId: "local", userId, locale: "en", isSupport: false };
}

/** A submitted TRC20 order of `amount` USD for a new customer (its account made on first contact). */
export async function submittedOrder(services: Services, userId: string, amount = "10") {
  const caller = customer(userId);
  const { id: accountId } = await resolveAccount(services, caller);
  const order = await createOrder(services, { accountId, caller, methodId: "trc20", amount });
  await submitProof(services, { accountId, caller, orderRef: order.orderNo, txHash: "0x" + randomBytes(32).toString("hex"), screenshot: { name: "p.png", bytes: PNG_BYTES } });
  return { accountId, order, caller };
}

/** A confirmed top-up whose principal support typed as exactly `principal` micro-USD (the flat 20% bonus on top). */
export async function confirmedTopup(services: Services, userId: string, principal = 10_000_000n) {
  const submitted = await submittedOrder(services, userId, "10");
  const confirmed = await confirmTopup(services, { orderRef: submitted.order.orderNo, decider: SUPPORT, principal });
  return { ...submitted, posting: confirmed.posting };
}

/** Delivers what is due through `deliverers` until nothing is claimed, making every retry due at once (skipping the backoff's wait). */
export async function deliverAll(services: Services, deliverers: Deliverers, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const claimed = await deliverDue({ prisma: services.prisma, deliverers, render: outboxRenderer(services), batchSize: 50 });
    await services.prisma.outboxMessage.updateMany({ where: { status: "pending", platform: { in: Object.keys(deliverers) } }, data: { nextAttemptAt: new Date(0) } });
    if (claimed === 0) return;
  }
}

export async function expectReconciled(services: Services): Promise<void> {
  const report = await reconcile(services.prisma);
  if (report.mismatches.length) throw new Error(`reconcile found mismatches: ${JSON.stringify(report.mismatches, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`);
}

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A webhook receiver on 127.0.0.1: answers each request with what `answer` says, and keeps every request. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  private server?: Server;
  url = "";
  answer: (request: { headers: IncomingHttpHeaders; body: string }) => number | { status: number; headers?: Record<string, string> } = () => 200;

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString("utf8");
      const answered = this.answer({ headers: req.headers, body });
      const { status, headers } = typeof answered === "number" ? { status: answered, headers: {} } : answered;
      this.requests.push({ headers: req.headers, body, status });
      res.writeHead(status, headers).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hooks`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The requests of one event type, parsed. */
  ofType(type: string): (ReceivedRequest & { json: Record<string, any> })[] {
    return this.requests.map((r) => ({ ...r, json: JSON.parse(r.body) })).filter((r) => r.json.type === type);
  }
}
