import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "../../../../src/db/index.ts";
import { startSlackStandIn, textOf } from "../../../standins/slack.ts";
import { until } from "../fuzz/pool.ts";
import { methodsFile, startProcess, stopProcess, exited } from "../processes.ts";
import { fmt, seconds } from "../table.ts";
import type { RunContext } from "../../run.ts";

const MESSAGES = 240;
const RECIPIENTS = 24;

/**
 * kill -9 of a real outbox worker (src/main.ts worker, the Procfile's entry, from the sources) in the
 * middle of delivery, twice, against the Slack stand-in; a third worker finishes. Every message
 * must be delivered (none lost), and once (none twice).
 */
export async function workerKillFault(ctx: RunContext): Promise<void> {
  const section = "3 faults";
  const standIn = await startSlackStandIn({ botToken: ctx.secrets.SLACK_BOT_TOKEN });
  const url = await ctx.server.createDatabase("outbox");
  const db = await openDatabase({ url, poolSize: 4 });
  await db.migrate();
  const started = Date.now();
  try {
    await db.prisma.outboxMessage.createMany({
      data: Array.from({ length: MESSAGES }, (_, n) => ({
        dedupeKey: `kill:${n}`,
        platform: "slack",
        kind: "dm",
        recipient: { type: "user", workspaceId: standIn.teamId, userId: `U0KILL${String(n % RECIPIENTS).padStart(4, "0")}` },
        payload: { blocks: [{ type: "text", text: `Message number ${n}` }], summary: `Message number ${n}`, private: true },
      })),
    });
    const env = {
      DATABASE_URL: url,
      SLACK_BOT_TOKEN: ctx.secrets.SLACK_BOT_TOKEN,
      SLACK_SIGNING_SECRET: ctx.secrets.SLACK_SIGNING_SECRET,
      SLACK_SUPPORT_CHANNEL: "C0KILLSUPPORT",
      SLACK_SUPPORT_USERS: "U0KILLSUPP1",
      SLACK_API_URL: standIn.apiUrl,
      PAYMENT_METHODS_FILE: methodsFile(),
      FILE_STORE_DIR: mkdtempSync(path.join(tmpdir(), "cd-kill-files-")),
      LOG_LEVEL: "debug",
      OUTBOX_POLL_MS: "50",
    };
    const posted = () => standIn.okCallsOf("chat.postMessage").length;
    const kills: { at: number; claimedUnsent: number }[] = [];
    for (const [i, target] of [Math.floor(MESSAGES / 3), Math.floor((2 * MESSAGES) / 3)].entries()) {
      const worker = startProcess("worker", env, ctx.capture, `worker-${i + 1}`);
      const reached = await until(() => posted() >= target || worker.exitCode !== null, 90_000, 2);
      if (!reached || worker.exitCode !== null) throw new Error(`worker ${i + 1} did not deliver ${target} messages (exit ${worker.exitCode}, posted ${posted()})`);
      // Right after Slack took a message: the worker is between a send and its settle, or in the next send.
      worker.kill("SIGKILL");
      await exited(worker);
      const claimedUnsent = await db.prisma.outboxMessage.count({ where: { status: "pending", lockedUntil: { gt: new Date() } } });
      kills.push({ at: posted(), claimedUnsent });
      ctx.progress(`faults: worker ${i + 1} killed with -9 after ${posted()} posts (${claimedUnsent} claimed and not settled)`);
    }
    const last = startProcess("worker", env, ctx.capture, "worker-3");
    // The killed workers' claims run out after their lease (60 s); then the last worker sends them.
    const deadline = Date.now() + 150_000;
    let left = MESSAGES;
    while (Date.now() < deadline) {
      left = await db.prisma.outboxMessage.count({ where: { status: { not: "sent" } } });
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await stopProcess(last);

    const seen = new Map<number, number>();
    for (const message of standIn.messages) {
      const n = Number(/Message number (\d+)/.exec(textOf(message.blocks, message.text))?.[1] ?? -1);
      if (n >= 0) seen.set(n, (seen.get(n) ?? 0) + 1);
    }
    const lost = Array.from({ length: MESSAGES }, (_, n) => n).filter((n) => !seen.has(n));
    const twice = [...seen.entries()].filter(([, c]) => c > 1);
    const wrongChannel = standIn.messages.filter((m) => {
      const n = Number(/Message number (\d+)/.exec(textOf(m.blocks, m.text))?.[1] ?? -1);
      return m.channel !== standIn.dmChannelOf(`U0KILL${String(n % RECIPIENTS).padStart(4, "0")}`);
    }).length;
    const states = await db.prisma.outboxMessage.groupBy({ by: ["status"], _count: true });
    ctx.results.add(
      section,
      `kill -9 of a real outbox worker (src/main.ts worker) mid-delivery, twice; a third finishes (${MESSAGES} DMs to ${RECIPIENTS} users)`,
      `kills after ${kills.map((k) => `${k.at} posts (${k.claimedUnsent} claimed, unsettled)`).join(" and ")}; rows ${states.map((s) => `${s.status} ${s._count}`).join(", ")}; ${seconds(Date.now() - started)}`,
      left === 0,
    );
    ctx.results.add(section, "…every message delivered (none lost)", `${fmt(MESSAGES - lost.length)} of ${fmt(MESSAGES)} delivered, ${lost.length} lost, ${wrongChannel} to a wrong channel`, lost.length === 0 && wrongChannel === 0);
    ctx.results.add(section, "…and delivered once (none twice)", `${twice.length} delivered twice${twice.length ? ` (numbers ${twice.map(([n]) => n).join(", ")})` : ""}`, twice.length === 0);
    if (twice.length) {
      ctx.results.finding(
        "A worker killed between Slack's answer and the settle sends that message again",
        `kill -9 of \`src/main.ts worker\` right after chat.postMessage succeeded (message(s) ${twice.map(([n]) => n).join(", ")}): the row is still pending under the dead worker's lease, and when the lease runs out (60 s) another worker sends it again. The README says a crash "sends nothing twice"; delivery is at-least-once. Reproduce: npm run reliability -- --only faults (worker kill). A fix needs an idempotency check on Slack's side before a resend (e.g. chat.postMessage with metadata carrying the dedupe key, and a conversations.history look-up when attempts > 1), or the README should say at-least-once.`,
      );
    }
  } finally {
    await db.close();
    await standIn.close();
  }
}
