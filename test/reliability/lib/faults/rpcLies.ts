import { registry } from "../../../../commands/index.ts";
import { closeChainClients } from "../../../../src/chain/rpc.ts";
import type { Caller } from "../../../../src/core/command.ts";
import { dispatch } from "../../../../src/core/dispatch.ts";
import { microsToTokenUnits } from "../../../../src/ledger/money.ts";
import { parseMethods } from "../../../../src/methods/paymentMethods.ts";
import { startChainWatcher } from "../../../../src/payments/watcher.ts";
import { deployTestTokens, startAnvil, transfer } from "../../../chain/anvil.ts";
import { PNG_BYTES } from "../../../helpers/services.ts";
import { realServices } from "../services.ts";
import { seconds } from "../table.ts";
import type { RunContext } from "../../run.ts";
import { startLyingRpc, type Lie, type LyingRpc } from "./lyingRpc.ts";

const LIES: Lie[] = ["honest", "wrong-chain", "http-500", "timeout", "garbage", "flip-receipt", "flip-status", "flip-block", "chaos"];
const WATCH_MS = 12_000;

/**
 * An RPC that lies, on a real chain (anvil): one network per lie, each with its own deposit
 * address and its own lying endpoint, each with payments that really happened, for exactly the
 * instructed amounts, under the auto-confirm cap (two with a hash, one found by the log scan where
 * the lie concerns everything). The real watcher (startChainWatcher) runs over all of them at
 * once. An honest network is the control: its payments must be credited, so the others' zero
 * means something.
 */
export async function rpcLiesFault(ctx: RunContext): Promise<void> {
  const section = "3 faults";
  const started = Date.now();
  const chain = await startAnvil();
  const proxies: LyingRpc[] = [];
  try {
    const tokens = await deployTestTokens(chain);
    const usdt = await tokens.usdt6.getAddress();
    for (const lie of LIES) proxies.push(await startLyingRpc(chain.url, lie));
    const flips = (lie: Lie) => lie.startsWith("flip-");
    const idOf = (lie: Lie) => `rpc_${lie.replace("-", "_")}`;
    const methods = parseMethods({
      methods: LIES.map((lie, i) => ({
        id: idOf(lie),
        kind: "usdt",
        label: { en: `USDT (anvil, ${lie} RPC)` },
        family: "evm",
        chainId: chain.chainId,
        tokenContract: usdt,
        decimals: 6,
        depositAddress: `0x${(0xd0 + i).toString(16).padStart(40, "0")}`,
        minimum: "1",
        confirmations: 2,
        explorerTxUrl: "https://explorer.test/tx/{hash}",
        rpcUrls: [proxies[i].url],
        rpcMinSpacingMs: 0,
        rpcTimeoutMs: 1000,
        pollIntervalMs: 300,
        autoConfirm: true,
        autoConfirmCap: "1000",
        // A flipping receipt is a lie about one transaction; the logs stay true, and a transfer the
        // log scan sees is rightly credited. Those networks are checked on the hash path alone.
        logScan: { enabled: !flips(lie), startBlocksBack: 200 },
        bonus: { flatBps: 2000 },
      })),
    });
    const url = await ctx.server.createDatabase("rpc");
    const services = await realServices({ url, capture: ctx.capture, name: "rpc-lies", methods, env: { TRIAL_STAGE1_USD: "0" }, logLevel: "info" });
    try {
      let seq = 0;
      const orders: { lie: Lie; orderNo: string; hash: boolean }[] = [];
      for (const lie of LIES) {
        for (const withHash of flips(lie) ? [true, true, true] : [true, true, false]) {
          seq += 1;
          const customer: Caller = { platform: "console", workspaceId: "local", userId: `rpc-c${seq}`, locale: "en", isSupport: false };
          const made = await dispatch(registry, services, customer, "topup", { method: idOf(lie), amount: String(10 + seq) });
          const orderNo = /CD-\d{6,}/.exec(made.summary ?? "")?.[0];
          if (!orderNo) throw new Error(`set-up: ${made.summary}`);
          const order = await services.prisma.topupOrder.findFirstOrThrow({ where: { orderNo } });
          const hash = await transfer(chain, tokens.usdt6, order.payAddress!, microsToTokenUnits(order.instructedAmount, 6));
          if (withHash) {
            const proof = await dispatch(registry, services, customer, "proof", { order: orderNo, txHash: hash, screenshot: { name: "p.png", bytes: PNG_BYTES } });
            if (proof.error) throw new Error(`set-up: proof refused: ${proof.summary}`);
          }
          orders.push({ lie, orderNo, hash: withHash });
        }
      }
      await chain.mine(3);

      const stop = new AbortController();
      const watcher = startChainWatcher(services, stop.signal, { expiryIntervalMs: 0 });
      // Mine as the watcher runs, so confirmations keep coming.
      const miner = setInterval(() => void chain.mine(1).catch(() => undefined), 1000);
      await new Promise((r) => setTimeout(r, WATCH_MS));
      clearInterval(miner);
      stop.abort();
      await watcher;

      const rows = await services.prisma.topupOrder.findMany({ where: { orderNo: { in: orders.map((o) => o.orderNo) } } });
      const byNo = new Map(rows.map((r) => [r.orderNo, r]));
      const per = LIES.map((lie, i) => {
        const mine = orders.filter((o) => o.lie === lie).map((o) => byNo.get(o.orderNo)!);
        const outcomes = new Map<string, number>();
        for (const o of mine) {
          const outcome = o.status === "confirmed" ? `confirmed by ${o.decidedByType}` : ((o.verdict as { auto?: { outcome?: string } } | null)?.auto?.outcome ?? (o.verdict ? "checked" : "unchecked"));
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }
        return { lie, confirmed: mine.filter((o) => o.status === "confirmed").length, total: mine.length, outcomes, calls: proxies[i].calls, lies: proxies[i].lies };
      });
      const liars = per.filter((p) => p.lie !== "honest");
      const autoConfirms = liars.reduce((n, p) => n + p.confirmed, 0);
      const ids = rows.filter((r) => r.status === "confirmed" && orders.find((o) => o.orderNo === r.orderNo)?.lie !== "honest").map((r) => `topup:${r.id}`);
      const postings = ids.length ? await services.prisma.posting.count({ where: { idempotencyKey: { in: ids } } }) : 0;
      const honest = per.find((p) => p.lie === "honest")!;
      const show = (p: (typeof per)[number]) => `${p.lie} ${p.confirmed}/${p.total} (${[...p.outcomes.entries()].map(([k, n]) => `${n} ${k}`).join(", ")}; ${p.lies}/${p.calls} answers false)`;
      ctx.results.add(
        section,
        `RPC that lies (${liars.length} ways, one network each; ${orders.length - honest.total} real payments under the cap), the real watcher for ${seconds(WATCH_MS)}`,
        `auto-confirms: ${autoConfirms}, credit postings: ${postings} — ${liars.map(show).join("; ")}`,
        autoConfirms === 0 && postings === 0,
      );
      ctx.results.add(section, "…control: the same payments through an honest RPC are auto-confirmed", `${show(honest)}; ${seconds(Date.now() - started)}`, honest.confirmed === honest.total);
      for (const p of liars) {
        if (p.confirmed) ctx.results.finding(`Auto-confirmed through an RPC that lies (${p.lie})`, `${p.confirmed} of ${p.total} orders on the ${p.lie} network were confirmed. Reproduce: npm run reliability -- --only faults (RPC lies).`);
      }
    } finally {
      closeChainClients();
      await services.db.close();
    }
  } finally {
    for (const p of proxies) await p.close();
    await chain.close();
  }
}
