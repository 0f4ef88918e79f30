/**
 * Minimal reproductions of the bugs the reliability run found, one by one, on PostgreSQL (a
 * throw-away server unless DATABASE_URL is set). Each prints whether it still reproduces; exits
 * non-zero while any does. `npx tsx test/reliability/repro.ts [name…]`
 */
import { connect } from "node:net";
import { registry } from "../../commands/index.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { startWebServer } from "../../src/http/server.ts";
import { deliverDue } from "../../src/notify/outbox.ts";
import { createDiscordDeliverer, InvalidRequestBudget } from "../../src/platforms/discord/index.ts";
import { slackDelivererFromEnv } from "../../src/platforms/slack/index.ts";
import type { Services } from "../../src/services.ts";
import { outboxRenderer } from "../../src/views/outbox.ts";
import { DiscordStandIn } from "../standins/discord.ts";
import { startSlackStandIn } from "../standins/slack.ts";
import { LogCapture } from "./lib/capture.ts";
import { PgServer } from "./lib/postgres.ts";
import { realServices } from "./lib/services.ts";

const customer: Caller = { platform: "console", workspaceId: "local", userId: "repro-customer", locale: "en", isSupport: false };
const support = (n: number): Caller => ({ platform: "console", workspaceId: "local", userId: `repro-support-${n}`, locale: "en", isSupport: true });
const textOf = (r: { summary?: string; blocks: { type: string }[] }) => `${r.summary ?? ""} ${JSON.stringify(r.blocks)}`;
const internal = (t: string) => /Something went wrong on our side/.test(t);

type Repro = { name: string; run: (s: Services, capture: LogCapture) => Promise<string | null> };

/** Each returns what happened when it reproduces, null when it does not. */
const REPROS: Repro[] = [
  {
    name: "nul-proof",
    async run(s) {
      const reply = await dispatch(registry, s, customer, "proof", { order: "\u0000" });
      return internal(textOf(reply)) ? `proof with order "\\u0000" → ${reply.summary}` : null;
    },
  },
  {
    name: "nul-account-lookup",
    async run(s) {
      const reply = await dispatch(registry, s, support(1), "account", { query: "\u0000abc" });
      return internal(textOf(reply)) ? `support: account "\\u0000abc" → ${reply.summary}` : null;
    },
  },
  {
    name: "nul-refusal-audit",
    async run(s) {
      try {
        const reply = await dispatch(registry, s, customer, "confirm", { order: "CD-000001", note: "a\u0000b" });
        return internal(textOf(reply)) ? `customer: confirm with a NUL in an argument → ${reply.summary}` : null;
      } catch (err) {
        return `customer: confirm with a NUL in an argument → dispatch threw (no reply at all): ${String(err).split("\n").filter(Boolean).pop()}`;
      }
    },
  },
  {
    name: "lone-surrogate-refusal-audit",
    async run(s) {
      try {
        const reply = await dispatch(registry, s, customer, "reopen", { order: "x\ud800" });
        return internal(textOf(reply)) ? `customer: reopen "x\\ud800" → ${reply.summary}` : null;
      } catch (err) {
        return `customer: reopen "x\\ud800" → dispatch threw: ${String(err).split("\n").filter(Boolean).pop()}`;
      }
    },
  },
  {
    name: "voucher-deadlock",
    async run(s) {
      await dispatch(registry, s, customer, "balance", {});
      const id = (await s.prisma.chatIdentity.findFirstOrThrow({ where: { userId: customer.userId } })).accountId;
      for (let round = 0; round < 10; round++) {
        const replies = await Promise.all([1, 2, 3, 4].map((n) => dispatch(registry, s, support(n), "voucher", { account: id, amount: "1", reason: "repro" })));
        const bad = replies.find((r) => internal(textOf(r)));
        if (bad) return `four support members give the same account a $1 voucher at once (round ${round + 1}) → ${bad.summary}`;
      }
      return null;
    },
  },
  {
    name: "client-abort-logged-as-internal-error",
    async run(s, capture) {
      const web = await startWebServer(s, 0, "127.0.0.1");
      const watch = capture.watch();
      await new Promise<void>((resolve) => {
        const socket = connect(web.port, "127.0.0.1", () => {
          socket.write(`POST /api/v1/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${process.env.API_KEYS!.split(",")[0]}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"records":[`);
          setTimeout(() => socket.destroy(), 100);
        });
        socket.on("close", () => resolve());
        socket.on("error", () => undefined);
      });
      await new Promise((r) => setTimeout(r, 300));
      watch.stop();
      await web.close();
      const line = watch.errors.find((e) => e.line.includes("HTTP handler failed"));
      return line ? `a client that sends half a body and leaves → logged at level error with a trace id: ${line.line.slice(0, 200)}` : null;
    },
  },
  {
    name: "long-429-storm-kills-message",
    async run(s) {
      const slack = await startSlackStandIn({ botToken: s.env.SLACK_BOT_TOKEN });
      try {
        const services = { ...s, env: { ...s.env, SLACK_API_URL: slack.apiUrl } };
        await s.prisma.outboxMessage.create({ data: { dedupeKey: "repro-429", platform: "slack", kind: "support_note", recipient: { type: "support_channel" }, payload: { blocks: [{ type: "text", text: "hello" }], private: false } } });
        slack.rateLimit("chat.postMessage", 20, 1);
        const delivery = slackDelivererFromEnv(services);
        for (let i = 0; i < 14; i++) {
          await s.prisma.outboxMessage.update({ where: { dedupeKey: "repro-429" }, data: { nextAttemptAt: new Date(0), lockedUntil: null } });
          await deliverDue({ prisma: s.prisma, deliverers: { slack: delivery.deliverer }, render: outboxRenderer(s) });
        }
        await delivery.stop();
        const row = await s.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "repro-429" } });
        return row.status === "dead" ? `a Slack message answered 429 thirteen times is "dead" (attempts ${row.attempts}, last error: ${row.lastError})` : null;
      } finally {
        await slack.close();
      }
    },
  },
  {
    name: "revoked-discord-token-kills-messages",
    async run(s) {
      const discord = new DiscordStandIn({ token: "right-token-0123456789", applicationId: "1490000000000000001", guildId: "1490000000000000002", supportChannelId: "1490000000000000003", roles: [] });
      await discord.start();
      try {
        await s.prisma.outboxMessage.create({ data: { dedupeKey: "repro-401", platform: "discord", kind: "support_note", recipient: { type: "support_channel" }, payload: { blocks: [{ type: "text", text: "hello" }], private: false } } });
        const wrong = createDiscordDeliverer(s, { token: "revoked-token-000000000", supportChannelId: "1490000000000000003", api: discord.apiUrl, budget: new InvalidRequestBudget() });
        for (let i = 0; i < 14; i++) {
          await s.prisma.outboxMessage.update({ where: { dedupeKey: "repro-401" }, data: { nextAttemptAt: new Date(0), lockedUntil: null } });
          await deliverDue({ prisma: s.prisma, deliverers: { discord: wrong }, render: outboxRenderer(s) });
        }
        const row = await s.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: "repro-401" } });
        const calls = discord.calls.length;
        return row.status === "dead" ? `with a revoked token, ${calls} call reached Discord, then every delivery failed locally ("${row.lastError}"); after ${row.attempts} attempts the message is dead` : null;
      } finally {
        await discord.stop();
      }
    },
  },
];

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const server = process.env.DATABASE_URL ? await PgServer.existing(process.env.DATABASE_URL) : await PgServer.throwaway("repro");
  const capture = new LogCapture();
  const url = await server.createDatabase("repro");
  process.env.API_KEYS ??= "repro-key-0123456789";
  const services = await realServices({
    url,
    capture,
    name: "repro",
    env: { API_KEYS: process.env.API_KEYS, SLACK_BOT_TOKEN: "xoxb-repro-0000", SLACK_SIGNING_SECRET: "repro-secret-000", SLACK_SUPPORT_CHANNEL: "C0REPRO", SLACK_SUPPORT_USERS: "U0REPRO", SLACK_API_URL: "http://127.0.0.1:9/api/" },
  });
  let reproduced = 0;
  try {
    for (const repro of REPROS) {
      if (only.length && !only.includes(repro.name)) continue;
      let what: string | null;
      try {
        what = await repro.run(services, capture);
      } catch (err) {
        what = `the reproduction itself failed: ${err instanceof Error ? err.message : String(err)}`;
      }
      if (what) reproduced += 1;
      process.stdout.write(`${what ? "REPRODUCED" : "fixed     "}  ${repro.name}${what ? `: ${what}` : ""}\n`);
    }
  } finally {
    await services.db.close();
    await server.close();
    capture.remove();
  }
  return reproduced ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
