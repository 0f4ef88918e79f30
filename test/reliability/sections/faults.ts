import { rateLimitFault } from "../lib/faults/rateLimits.ts";
import { rpcLiesFault } from "../lib/faults/rpcLies.ts";
import { pgRestartFault } from "../lib/faults/pgRestart.ts";
import { workerKillFault } from "../lib/faults/workerKill.ts";
import type { RunContext } from "../run.ts";

/** Section 3: faults, each against real parts (processes, servers, a chain). */
export async function faultsSection(ctx: RunContext): Promise<void> {
  const only = process.env.RELIABILITY_FAULTS?.split(",");
  const all: [string, (ctx: RunContext) => Promise<void>][] = [
    ["worker killed mid-delivery", workerKillFault],
    ["PostgreSQL restarted mid-confirm", pgRestartFault],
    ["RPC lies", rpcLiesFault],
    ["429 storms", rateLimitFault],
  ];
  const faults = all.filter(([name]) => !only || only.some((o) => name.includes(o)));
  const run = async ([name, fault]: (typeof all)[number]) => {
    ctx.progress(`faults: ${name}`);
    try {
      await fault(ctx);
    } catch (err) {
      ctx.results.add("3 faults", name, `did not complete: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`, false);
      ctx.progress(`faults: ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  };
  // The worker-kill fault mostly waits (for the dead workers' leases to run out): it runs beside the others.
  const [first, ...rest] = faults;
  const background = first && first[0].startsWith("worker") ? run(first) : undefined;
  for (const fault of background ? rest : faults) await run(fault);
  await background;
}
