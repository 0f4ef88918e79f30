#!/usr/bin/env node
// The resident memory of a process the Procfile starts, measured the same way before and after a
// change: `node bench/rss.mjs -- <command…>` runs the command in its own process group (PORT and
// PGLITE_DIR set to fresh values unless given), waits for GET /healthz to answer 200, asks it a few
// more times, lets it settle, then sums VmRSS over the whole process tree (npm, sh and tsx's child
// node count: they are what a dyno pays for) and prints it as JSON beside the largest single
// process. Plain JavaScript so that it runs in a production install, without tsx.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const sep = process.argv.indexOf("--");
const command = sep >= 0 ? process.argv.slice(sep + 1) : [];
if (command.length === 0) {
  process.stderr.write("usage: node bench/rss.mjs -- <command> [args…]\n");
  process.exit(2);
}
const settleMs = Number(process.env.RSS_SETTLE_MS ?? 5000);

const port = process.env.PORT ?? String(await freePort());
const scratch = mkdtempSync(path.join(tmpdir(), "rss-"));
const env = { ...process.env, PORT: port, PGLITE_DIR: process.env.PGLITE_DIR ?? path.join(scratch, "pglite") };
delete env.DATABASE_URL;
const child = spawn(command[0], command.slice(1), { env, stdio: ["ignore", "ignore", "inherit"], detached: true });
let exited = null;
child.on("exit", (code, signal) => (exited = { code, signal }));

try {
  const started = Date.now();
  const deadline = started + 120_000;
  for (;;) {
    if (exited) throw new Error(`the process ended before /healthz answered: ${JSON.stringify(exited)}`);
    if (Date.now() > deadline) throw new Error("no 200 from /healthz within 120 s");
    const status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
    if (status === 200) break;
    await sleep(200);
  }
  const readyMs = Date.now() - started;
  for (let i = 0; i < 20; i++) await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.arrayBuffer());
  await sleep(settleMs);
  const tree = processTree(child.pid);
  const rss = tree.map((pid) => ({ pid, kb: rssKb(pid), cmd: cmdline(pid) })).filter((p) => p.kb > 0);
  const totalKb = rss.reduce((sum, p) => sum + p.kb, 0);
  const largest = rss.reduce((a, b) => (b.kb > a.kb ? b : a));
  process.stdout.write(
    `${JSON.stringify({ command: command.join(" "), readyMs, totalMiB: mib(totalKb), largestMiB: mib(largest.kb), largest: largest.cmd, processes: rss.map((p) => ({ cmd: p.cmd, MiB: mib(p.kb) })) }, null, 2)}\n`,
  );
} finally {
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // already gone
  }
  for (let i = 0; i < 50 && !exited; i++) await sleep(100);
  if (!exited) process.kill(-child.pid, "SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
}

function processTree(root) {
  const parents = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // The command name may hold spaces and parentheses: the fields after the last ")" are fixed.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(name), ppid);
    } catch {
      // ended while listing
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

function rssKb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ").slice(0, 120);
  } catch {
    return "?";
  }
}

function mib(kb) {
  return Math.round(kb / 102.4) / 10;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
