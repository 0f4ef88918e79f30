import { parseArgs } from "node:util";
import type { WebhookPayload } from "../../webhooks/events.ts";
import { replayWebhook } from "../../webhooks/replay.ts";
import { EXIT_FAILED, EXIT_OK, UsageError, type CliSubcommand } from "../context.ts";
import { printable } from "../../lib/printable.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : "-");

/** parseArgs, its complaints as usage errors. */
function parse<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** `credit-desk webhooks list|replay`: the deliveries of the outbox's webhook messages, and sending one again. */
export const webhooksCommand: CliSubcommand = {
  name: "webhooks",
  usage:
    "webhooks list [--failed] [--limit N]\n" +
    "                                 webhook deliveries, newest first, with their attempts\n" +
    "webhooks replay <outbox id | delivery id>\n" +
    "                                 sends a delivery again (same delivery id, marked as a redelivery)",
  async run(argv, ctx) {
    const [action, ...rest] = argv;
    if (action === "list") {
      const parsed = parse(() =>
        parseArgs({ args: rest, options: { failed: { type: "boolean", default: false }, limit: { type: "string", default: "20" } }, allowPositionals: true, strict: true }),
      );
      if (parsed.positionals.length) throw new UsageError("webhooks list takes no arguments");
      const limit = Number(parsed.values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError("--limit is a whole number from 1 to 1000");
      const { prisma } = await ctx.database();
      const rows = await prisma.outboxMessage.findMany({
        where: { platform: "webhook", ...(parsed.values.failed ? { status: "dead" } : {}) },
        orderBy: { id: "desc" },
        take: limit,
      });
      const attempts = await prisma.webhookAttempt.findMany({ where: { outboxId: { in: rows.map((r) => r.id) } }, orderBy: { id: "asc" } });
      for (const row of rows) {
        const payload = row.payload as unknown as WebhookPayload;
        ctx.stdout.write(
          `${row.id}  ${printable(row.status)}  ${printable(payload.event)} → ${printable(payload.endpointId)}  delivery ${printable(payload.deliveryId)}  queued ${iso(row.createdAt)}  sent ${iso(row.sentAt)}\n`,
        );
        for (const a of attempts.filter((x) => x.outboxId === row.id)) {
          ctx.stdout.write(`    attempt ${a.attempt}${a.redelivery ? " (redelivery)" : ""}  ${a.statusCode ?? "-"}  ${a.durationMs} ms  ${printable(a.error ?? "ok")}  ${iso(a.createdAt)}\n`);
        }
      }
      if (rows.length === 0) ctx.stderr.write("no webhook deliveries\n");
      return EXIT_OK;
    }
    if (action === "replay") {
      const parsed = parse(() => parseArgs({ args: rest, options: {}, allowPositionals: true, strict: true }));
      const [ref, ...extra] = parsed.positionals;
      if (!ref || extra.length) throw new UsageError("webhooks replay takes one outbox id or delivery id");
      if (!/^\d{1,18}$/.test(ref) && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) {
        throw new UsageError(`"${ref}" is neither an outbox id (digits) nor a delivery id (a UUID)`);
      }
      const { prisma } = await ctx.database();
      const replayed = await replayWebhook(prisma, ref);
      if (!replayed) {
        ctx.stderr.write(`no webhook delivery ${printable(ref)}\n`);
        return EXIT_FAILED;
      }
      ctx.stdout.write(`${replayed.outboxId}\n`);
      ctx.stderr.write(`delivery ${printable(replayed.deliveryId)} (${printable(replayed.event)} → ${printable(replayed.endpointId)}) queued again as outbox message ${replayed.outboxId}; the worker sends it\n`);
      return EXIT_OK;
    }
    throw new UsageError(action ? `unknown webhooks action "${action}"` : "webhooks needs an action: list or replay");
  },
};
