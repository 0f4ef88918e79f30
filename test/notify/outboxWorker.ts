/**
 * One worker process of the two-worker test: the project's real outbox loop (runOutbox) with the
 * real Slack deliverer, its Web API calls going through the deployment-wide limiters in Redis.
 * Runs LOOPS claim loops at once. Stops on SIGTERM and prints how many messages it sent, as one JSON line.
 */
import { webApi } from "@slack/bolt";
import { openDatabase } from "../../src/db/index.ts";
import { createLimiters } from "../../src/limits/index.ts";
import { runOutbox, type Deliverer } from "../../src/notify/outbox.ts";
import { createSlackDeliverer } from "../../src/platforms/slack/deliverer.ts";
import { limitSlackApi } from "../../src/platforms/slack/limitedApi.ts";
import { createSlackApi, webClientOptions } from "../../src/platforms/slack/webApi.ts";

/** The test queues written-out messages: nothing is drawn. */
const writtenOut = async (): Promise<never> => {
  throw new Error("a written-out message was sent to the renderer");
};

const rate = Number(process.env.RATE_PER_SECOND);
const db = await openDatabase({ url: process.env.DATABASE_URL, poolSize: 4 });
const limiters = createLimiters({
  redisUrl: process.env.REDIS_URL,
  prefix: process.env.LIMITER_PREFIX,
  limits: {
    "slack:chat.postMessage": { perSecond: rate },
    "slack:conversations.open": { perSecond: rate },
  },
});
if (!limiters.clustered) throw new Error("REDIS_URL is required: the point is a limit shared by processes");
const client = new webApi.WebClient(process.env.SLACK_BOT_TOKEN, webClientOptions(process.env.SLACK_API_URL!));
// The adapter's in-process tier limiters are opened wide here, so that what the stand-in sees is
// decided by the shared limiters alone.
const wide = { 1: 1e6, 2: 1e6, 3: 1e6, 4: 1e6 };
const api = limitSlackApi(createSlackApi(client, { tierRates: wide, postMessageSpacingMs: 0 }), limiters);
const slack = createSlackDeliverer({ api, prisma: db.prisma, supportChannel: "C0SUPPORT1" });
let sent = 0;
const counting: Deliverer = {
  async deliver(message) {
    const outcome = await slack.deliver(message);
    if (outcome.status === "sent") sent++;
    return outcome;
  },
};

const stop = new AbortController();
process.on("SIGTERM", () => stop.abort());
process.stdout.write("ready\n");
// Several claim loops per process, like a worker with more concurrency: more senders than the
// limit allows, so that the limit and nothing else decides the pace.
const loops = Number(process.env.LOOPS ?? 4);
await Promise.all(
  Array.from({ length: loops }, () => runOutbox({ prisma: db.prisma, deliverers: { slack: counting }, render: writtenOut, pollMs: 50, batchSize: 5, signal: stop.signal })),
);
await api.stop();
await limiters.close();
await db.close();
process.stdout.write(JSON.stringify({ sent }) + "\n");
