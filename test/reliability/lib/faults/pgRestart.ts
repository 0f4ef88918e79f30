import pg from "pg";
import { registry } from "../../../../commands/index.ts";
import type { Caller } from "../../../../src/core/command.ts";
import { dispatch } from "../../../../src/core/dispatch.ts";
import { reconcile } from "../../../../src/ledger/reconcile.ts";
import type { Reply } from "../../../../src/reply.ts";
import { PNG_BYTES } from "../../../helpers/services.ts";
import { isInternalError } from "../fuzz/oracle.ts";
import { PgServer } from "../postgres.ts";
import { realServices } from "../services.ts";
import { seconds } from "../table.ts";
import type { RunContext } from "../../run.ts";

/**
 * PostgreSQL restarted (stopped hard, as a crash, then started) while a support member's Confirm
 * is in flight, on a throw-away server of its own. Where the restart lands:
 *   - the confirm waits for the order's row lock (held by another session);
 *   - the confirm has written its posting and entries, and waits to queue the customer's message;
 *   - the confirm has committed, and the member clicks again after the restart;
 *   - at a random moment of a confirm (several rounds).
 * Afterwards the same click is retried until it succeeds (or says the order is decided): each
 * order is credited exactly once, and the ledger reconciles.
 */
export async function pgRestartFault(ctx: RunContext): Promise<void> {
  const section = "3 faults";
  const started = Date.now();
  const server = await PgServer.throwaway("restart");
  ctx.extraLogs.push({ file: server.serverLog!, source: "postgres-restart" });
  const url = await server.createDatabase("confirm", { durable: true });
  const services = await realServices({ url, capture: ctx.capture, name: "pg-restart", poolSize: 6, env: { TRIAL_STAGE1_USD: "0" } });
  const support: Caller = { platform: "console", workspaceId: "local", userId: "restart-support", displayName: "Sam", locale: "en", isSupport: true };
  const outcomes: string[] = [];
  const problems: string[] = [];
  let retries = 0;
  let restarts = 0;
  try {
    let seq = 0;
    const submitted = async (): Promise<string> => {
      seq += 1;
      const customer: Caller = { platform: "console", workspaceId: "local", userId: `restart-c${seq}`, locale: "en", isSupport: false };
      const made = await dispatch(registry, services, customer, "topup", { method: "trc20", amount: String(20 + seq) });
      const orderNo = /CD-\d{6,}/.exec(`${made.summary}`)?.[0];
      if (!orderNo) throw new Error(`set-up: no order: ${made.summary}`);
      const proof = await dispatch(registry, services, customer, "proof", { order: orderNo, txHash: `0x${String(seq).padStart(64, "e")}`, screenshot: { name: "p.png", bytes: PNG_BYTES } });
      if (proof.error) throw new Error(`set-up: proof refused: ${proof.summary}`);
      return orderNo;
    };
    const confirm = () => (order: string) => withTimeout(dispatch(registry, services, support, "confirm", { order }), 60_000);
    const click = confirm();

    /** Retries the click until it succeeds or says the order is decided (bounded). */
    const retry = async (order: string): Promise<Reply> => {
      let last: Reply | undefined;
      for (let attempt = 0; attempt < 20; attempt++) {
        retries += 1;
        try {
          last = await click(order);
        } catch (err) {
          last = { blocks: [{ type: "text", text: String(err) }], error: true, private: true };
        }
        if (!last.error || /already decided/.test(last.summary ?? "")) return last;
        await new Promise((r) => setTimeout(r, 500));
      }
      return last!;
    };

    const admin = async () => {
      const client = new pg.Client({ connectionString: server.adminUrl.replace(/\/postgres$/, `/${new URL(url).pathname.slice(1)}`) });
      client.on("error", () => undefined);
      await client.connect();
      return client;
    };
    const waitingOnLock = async (client: pg.Client) => {
      for (let i = 0; i < 200; i++) {
        const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
        if (rows[0].n > 0) return true;
        await new Promise((r) => setTimeout(r, 25));
      }
      return false;
    };
    const restart = () => {
      server.stop("immediate");
      server.start();
      restarts += 1;
    };

    const check = async (label: string, order: string, clickOutcome: string) => {
      const row = await services.prisma.topupOrder.findFirstOrThrow({ where: { orderNo: order } });
      const postings = await services.prisma.posting.count({ where: { idempotencyKey: `topup:${row.id}` } });
      const entries = await services.prisma.ledgerEntry.count({ where: { reference: order, type: { in: ["usdt_topup", "topup_bonus"] } } });
      outcomes.push(`${label}: ${clickOutcome}`);
      if (row.status !== "confirmed") problems.push(`${label}: ${order} is ${row.status} after the retries`);
      if (postings !== 1 || entries !== 2) problems.push(`${label}: ${order} has ${postings} credit postings and ${entries} entries (want 1 and 2)`);
    };
    const describe = (r: PromiseSettledResult<Reply>) =>
      r.status === "rejected" ? `threw (${String(r.reason).slice(0, 80)})` : r.value.error ? (isInternalError(r.value.summary ?? "") ? "internal-error reply" : `refused: ${r.value.summary?.slice(0, 60)}`) : "confirmed";

    // 1. Waiting for the order's lock.
    {
      const order = await submitted();
      const id = (await services.prisma.topupOrder.findFirstOrThrow({ where: { orderNo: order } })).id;
      const holder = await admin();
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM topup_orders WHERE id = $1 FOR UPDATE`, [id]);
      const pending = click(order);
      const watcher = await admin();
      if (!(await waitingOnLock(watcher))) problems.push("lock scenario: the confirm never waited for the lock");
      await watcher.end().catch(() => undefined);
      restart();
      const [first] = await Promise.allSettled([pending]);
      await holder.end().catch(() => undefined);
      await retry(order);
      await check("restart while it waits for the order's lock", order, describe(first));
    }
    // 2. Posting written, waiting to queue the customer's message (the outbox table is locked).
    {
      const order = await submitted();
      const holder = await admin();
      await holder.query("BEGIN");
      await holder.query(`LOCK TABLE outbox_messages IN SHARE ROW EXCLUSIVE MODE`);
      const pending = click(order);
      const watcher = await admin();
      if (!(await waitingOnLock(watcher))) problems.push("outbox scenario: the confirm never waited for the outbox");
      await watcher.end().catch(() => undefined);
      restart();
      const [first] = await Promise.allSettled([pending]);
      await holder.end().catch(() => undefined);
      await retry(order);
      await check("restart after the posting is written, before commit", order, describe(first));
    }
    // 3. Committed; the member clicks again after the restart.
    {
      const order = await submitted();
      const [first] = await Promise.allSettled([click(order)]);
      restart();
      await retry(order);
      await check("restart after the commit, then a second click", order, describe(first));
    }
    // 4. At a random moment of a confirm.
    for (let round = 0; round < 4; round++) {
      const order = await submitted();
      const pending = click(order);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
      restart();
      const [first] = await Promise.allSettled([pending]);
      await retry(order);
      await check(`restart at a random moment (round ${round + 1})`, order, describe(first));
    }
    const report = await reconcile(services.prisma);
    if (report.mismatches.length) problems.push(`reconcile: ${report.mismatches.length} mismatches`);
    const total = await services.prisma.posting.count({ where: { idempotencyKey: { startsWith: "topup:" } } });
    ctx.results.add(
      section,
      `PostgreSQL restarted (immediate stop, then start) during a Confirm: ${restarts} restarts — lock wait, posting written, after commit, ${restarts - 3} random`,
      `first clicks: ${summarize(outcomes)}; ${retries} clicks in all until success; ${seconds(Date.now() - started)}`,
      problems.length === 0,
    );
    ctx.results.add(section, "…no double credit; the click retried to success; reconcile clean", `${total} credit postings for ${restarts} orders, ${problems.length} problems${problems.length ? ": " + problems.join("; ") : ""}`, problems.length === 0 && total === restarts);
  } finally {
    await services.db.close().catch(() => undefined);
    await server.close();
  }
}

function summarize(outcomes: string[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const what = o.slice(o.indexOf(": ") + 2);
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts.entries()].map(([k, n]) => `${n}× ${k}`).join(", ");
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))).finally(() => clearTimeout(timer))]);
}

