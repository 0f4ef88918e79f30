import { registry } from "../../../commands/index.ts";
import { startWeb } from "../../../src/app/web.ts";
import type { Caller } from "../../../src/core/command.ts";
import { startDiscord } from "../../../src/platforms/discord/index.ts";
import { discordUser, DiscordStandIn } from "../../standins/discord.ts";
import { startSlackStandIn } from "../../standins/slack.ts";
import type { CapturedLine } from "../lib/capture.ts";
import { fuzzConsole } from "../lib/fuzz/console.ts";
import { fuzzDiscord } from "../lib/fuzz/discord.ts";
import { fuzzHttp, fuzzRawHttp } from "../lib/fuzz/http.ts";
import { diffState, EntranceStats, groupCrashes, groupErrorLines, tableState } from "../lib/fuzz/oracle.ts";
import { fuzzSlack } from "../lib/fuzz/slack.ts";
import { buildWorld } from "../lib/fuzz/world.ts";
import { realServices } from "../lib/services.ts";
import { fmt, seconds } from "../lib/table.ts";
import type { RunContext } from "../run.ts";

/** How many bad inputs each entrance gets (the full run: over 10,000 in all). */
export const FUZZ_COUNTS = { console: 3000, http: 3000, slack: 2600, discord: 1800 };

export const CONSOLE_USERS = Array.from({ length: 40 }, (_, i) => `fz-con-${i}`);
export const CONSOLE_SUPPORT = "fz-con-support";

const DISCORD = {
  applicationId: "1290000000000000001",
  guildId: "1290000000000000002",
  supportChannelId: "1290000000000000003",
  supportRole: "1290000000000000010",
};
const SLACK_SUPPORT_CHANNEL = "C0FZSUPPORT";

/**
 * Section 2: bad inputs through every entrance, on one database set up for them. For each
 * entrance: the table-by-table state before and after (no write allowed, except the audit log's
 * and the per-user rate counters' records of refusals), every answer judged, the error-level log
 * lines and unhandled rejections of its time counted as crashes.
 */
export async function fuzzSection(ctx: RunContext): Promise<void> {
  const url = await ctx.server.createDatabase("fuzz");
  const scale = ctx.quick ? 0.1 : 1;
  const n = (k: keyof typeof FUZZ_COUNTS) => Math.max(50, Math.round(FUZZ_COUNTS[k] * scale));
  const slackStandIn = await startSlackStandIn({ botToken: ctx.secrets.SLACK_BOT_TOKEN });
  const discordStandIn = new DiscordStandIn({ token: ctx.secrets.DISCORD_TOKEN, ...DISCORD, roles: [{ id: DISCORD.supportRole, name: "billing-support" }] });
  await discordStandIn.start();
  const slackCustomers: Caller[] = Array.from({ length: 30 }, (_, i) => ({ platform: "slack", workspaceId: slackStandIn.teamId, userId: `U0FZ${String(i).padStart(6, "0")}`, displayName: `fz${i}`, locale: "en", isSupport: false }));
  const slackSupport: Caller = { platform: "slack", workspaceId: slackStandIn.teamId, userId: "U0FZSUPP01", displayName: "fzsupport", locale: "en", isSupport: true };
  const discordCustomers = Array.from({ length: 30 }, (_, i) => ({ user: discordUser(`12${String(Date.now()).slice(-8)}${String(i).padStart(6, "0")}`, `fz${i}`), support: false }));
  const discordSupport = { user: discordUser(`13${String(Date.now()).slice(-8)}000001`, "fzsupport"), support: true };
  const services = await realServices({
    url,
    capture: ctx.capture,
    name: "fuzz",
    env: {
      SCREENSHOT_MAX_BYTES: "2048",
      API_KEYS: process.env.API_KEYS!,
      SLACK_BOT_TOKEN: ctx.secrets.SLACK_BOT_TOKEN,
      SLACK_SIGNING_SECRET: ctx.secrets.SLACK_SIGNING_SECRET,
      SLACK_SUPPORT_CHANNEL,
      SLACK_SUPPORT_USERS: slackSupport.userId,
      SLACK_API_URL: slackStandIn.apiUrl,
      DISCORD_TOKEN: ctx.secrets.DISCORD_TOKEN,
      DISCORD_APPLICATION_ID: DISCORD.applicationId,
      DISCORD_SUPPORT_CHANNEL: DISCORD.supportChannelId,
      DISCORD_SUPPORT_ROLES: DISCORD.supportRole,
      DISCORD_API_URL: discordStandIn.apiUrl,
    },
  });
  const total = { inputs: 0, crashes: 0, writes: 0 };
  // The web process as `npm run web` starts it (Slack's routes and the usage API on one server),
  // its Slack tier limits opened wide so that the fuzz is not paced by Slack's per-minute quotas.
  const web = await startWeb(services, registry, { port: 0, host: "127.0.0.1", slack: { api: { tierRates: { 1: 1e6, 2: 1e6, 3: 1e6, 4: 1e6 }, postMessageSpacingMs: 0 } } });
  const discord = await startDiscord(services, registry);
  try {
    const consoleUsers: Caller[] = [...CONSOLE_USERS.map((u) => ({ platform: "console" as const, workspaceId: "local", userId: u, locale: "en" as const, isSupport: false })), { platform: "console", workspaceId: "local", userId: CONSOLE_SUPPORT, locale: "en", isSupport: true }];
    const discordCallers: Caller[] = [...discordCustomers, discordSupport].map((d) => ({ platform: "discord", workspaceId: "discord", userId: d.user.id, displayName: d.user.username, locale: "en", isSupport: d.support }));
    const world = await buildWorld(services, registry, [...consoleUsers, ...slackCustomers, slackSupport, ...discordCallers]);
    ctx.progress(`fuzz: world ready (${world.openOrders.length / 2} open orders, ${world.ownPending.size} customers with a pending order)`);

    const entrances: {
      label: string;
      stats: () => EntranceStats[];
      run: () => Promise<void>;
      /** Error lines this entrance's inputs are expected to cause, and why; the rest are crashes. */
      excuse?: (errors: CapturedLine[]) => { kept: CapturedLine[]; excused: number; why: string };
    }[] = [];
    const consoleStats = new EntranceStats("console lines (script mode)");
    entrances.push({
      label: "console",
      stats: () => [consoleStats],
      run: () => fuzzConsole({ services, registry, world, users: CONSOLE_USERS, supportUser: CONSOLE_SUPPORT, count: n("console"), seed: ctx.seed }, consoleStats),
    });
    const httpStats = {
      usage: new EntranceStats("HTTP POST /api/v1/usage"),
      "link-codes": new EntranceStats("HTTP POST /api/v1/link-codes"),
      balance: new EntranceStats("HTTP GET /api/v1/accounts/:id/balance"),
      other: new EntranceStats("HTTP other methods and paths"),
      raw: new EntranceStats("HTTP malformed at the protocol level (raw socket)"),
    };
    entrances.push({
      label: "http",
      stats: () => Object.values(httpStats),
      run: async () => {
        await fuzzHttp({ base: web.url, apiKey: ctx.secrets.API_KEY_2, count: n("http"), seed: ctx.seed + 1 }, httpStats);
        await fuzzRawHttp(web.url, ctx.secrets.API_KEY_2, httpStats.raw);
      },
    });
    const slackStats = {
      slash: new EntranceStats("Slack slash commands (signed, through Bolt's HTTP receiver)"),
      views: new EntranceStats("Slack view submissions (signed)"),
      actions: new EntranceStats("Slack button clicks (signed)"),
      forged: new EntranceStats("Slack forged, replayed or malformed requests"),
    };
    entrances.push({
      label: "slack",
      stats: () => Object.values(slackStats),
      // Bolt answers a signed request that no listener handles (a junk payload only Slack could have
      // signed) with a 404 after 3 s and an error line of its own: one line per such request.
      excuse: (errors) => {
        let allowed = slackStats.forged.kinds.get("404") ?? 0;
        const kept = errors.filter((e) => !(e.line.includes("was not acknowledged within 3 seconds") && allowed-- > 0));
        return { kept, excused: errors.length - kept.length, why: "Bolt's own line for signed payloads no listener handles (404)" };
      },
      run: () =>
        fuzzSlack({ events: `${web.url}/slack/events`, standIn: slackStandIn, signingSecret: ctx.secrets.SLACK_SIGNING_SECRET, registry, world, customers: slackCustomers, support: slackSupport, count: n("slack"), seed: ctx.seed + 2 }, slackStats),
    });
    const discordStats = {
      commands: new EntranceStats("Discord slash commands (gateway stand-in → discord.js)"),
      buttons: new EntranceStats("Discord button clicks"),
      modals: new EntranceStats("Discord modal submissions"),
    };
    entrances.push({
      label: "discord",
      stats: () => Object.values(discordStats),
      run: () => fuzzDiscord({ standIn: discordStandIn, registry, world, customers: discordCustomers, support: discordSupport, supportRole: DISCORD.supportRole, count: n("discord"), seed: ctx.seed + 3 }, discordStats),
    });

    for (const entrance of entrances) {
      ctx.progress(`fuzz: ${entrance.label}`);
      const t0 = Date.now();
      const before = await tableState(services.prisma);
      const watch = ctx.capture.watch();
      const rejectionsBefore = ctx.unhandled.rejections.length + ctx.unhandled.exceptions.length;
      try {
        await entrance.run();
      } finally {
        watch.stop();
      }
      // Work a listener left running after its answer (a late modal answer) settles.
      await new Promise((r) => setTimeout(r, 1500));
      const after = await tableState(services.prisma);
      const diff = diffState(before, after);
      const excuse = entrance.excuse?.(watch.errors) ?? { kept: watch.errors, excused: 0, why: "" };
      const errorLines = excuse.kept;
      const unhandled = ctx.unhandled.rejections.length + ctx.unhandled.exceptions.length - rejectionsBefore;
      const stats = entrance.stats();
      const inputs = stats.reduce((s, e) => s + e.inputs, 0);
      const crashes = stats.reduce((s, e) => s + e.crashes.length + e.unanswered.length, 0) + errorLines.length + unhandled;
      const writes = diff.written.length;
      total.inputs += inputs;
      total.crashes += crashes;
      total.writes += writes;
      for (const e of stats) {
        const bad = e.crashes.length + e.unanswered.length;
        ctx.results.add("2 fuzz", e.name, `${fmt(e.inputs)} inputs: ${fmt(e.answered)} answered (${e.summary()}), ${bad} crashes/unanswered`, bad === 0 && e.inputs > 0 && e.answered === e.inputs);
        for (const g of groupCrashes([...e.crashes, ...e.unanswered]).slice(0, 4)) {
          ctx.results.finding(`${e.name}: ${g.what.slice(0, 140)}`, `${g.count} input(s). Shortest: ${g.input}\nWhat happened: ${g.what}`);
        }
      }
      const book = Object.entries(diff.bookkeeping).map(([t, d]) => `${t} +${d}`).join(", ");
      ctx.results.add(
        "2 fuzz",
        `${entrance.label}: writes, table by table (every table's rows digested before and after)`,
        `${writes} tables written${writes ? ": " + diff.written.map((w) => `${w.table} ${w.before}→${w.after}`).join(", ") : ""}; refusals recorded: ${book || "none"}`,
        writes === 0,
      );
      ctx.results.add(
        "2 fuzz",
        `${entrance.label}: error-level log lines, unhandled rejections`,
        `${errorLines.length}, ${unhandled}${excuse.excused ? ` (and ${excuse.excused} expected: ${excuse.why})` : ""} — ${seconds(Date.now() - t0)}`,
        errorLines.length === 0 && unhandled === 0,
      );
      for (const w of diff.written) ctx.results.finding(`${entrance.label}: a bad input wrote to ${w.table}`, `rows ${w.before} → ${w.after} during the ${entrance.label} fuzz (seed ${ctx.seed}); see the crashes above for the inputs`);
      for (const g of groupErrorLines(errorLines).slice(0, 6)) ctx.results.finding(`${entrance.label}: error logged ${g.count}× while fuzzing: ${g.signature.slice(0, 200)}`, g.sample);
    }
    ctx.results.add("2 fuzz", "all entrances", `${fmt(total.inputs)} bad inputs, ${total.crashes} crashes, ${total.writes} writes`, total.crashes === 0 && total.writes === 0 && (ctx.quick || total.inputs >= 10_000));
  } finally {
    await discord.stop().catch(() => undefined);
    await web.stop().catch(() => undefined);
    await discordStandIn.stop().catch(() => undefined);
    await slackStandIn.close().catch(() => undefined);
    await services.db.close();
  }
}
