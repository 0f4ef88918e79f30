import type { ChildProcess } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, type WriteStream } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";

/**
 * Every log line of the run, from every source, in one file: the pino loggers of the services
 * this process builds (each under a name), whatever else writes to this process's stdout and
 * stderr (libraries that print on their own), and the stdout and stderr of every child process
 * the run starts. At the end the file is searched for every configured secret.
 *
 * Lines are also watched as they pass: `watch()` collects the error-level lines (pino level ≥ 50)
 * and the internal-error replies' "request failed" lines of one section, so a fuzz section can
 * count crashes that were answered politely but logged as failures.
 */
export interface CapturedLine {
  source: string;
  line: string;
}

export interface Watch {
  /** pino lines at level error or fatal, and non-JSON lines that look like stack traces. */
  errors: CapturedLine[];
  /** Every line seen while the watch was open (kept only when asked, for small sections). */
  all?: CapturedLine[];
  stop(): void;
}

export class LogCapture {
  readonly dir: string;
  readonly file: string;
  private readonly out: WriteStream;
  private readonly watches = new Set<Watch>();
  private teed = false;
  private pendingTee = { stdout: "", stderr: "" };
  lines = 0;
  bytes = 0;
  readonly bySource = new Map<string, number>();

  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), "cd-reliability-logs-"));
    this.file = path.join(this.dir, "all.log");
    this.out = createWriteStream(this.file);
  }

  /** A destination for createLogger: each line it writes is captured under `source`. */
  stream(source: string): NodeJS.WritableStream {
    let pending = "";
    return new Writable({
      write: (chunk: Buffer | string, _encoding, done) => {
        pending += chunk.toString();
        let nl: number;
        while ((nl = pending.indexOf("\n")) >= 0) {
          this.record(source, pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
        done();
      },
      final: (done) => {
        if (pending) this.record(source, pending);
        done();
      },
    });
  }

  /** Captures a child's stdout and stderr, line by line. */
  attach(child: ChildProcess, source: string): void {
    for (const [name, stream] of [["stdout", child.stdout], ["stderr", child.stderr]] as const) {
      if (!stream) continue;
      const rl = createInterface({ input: stream, crlfDelay: Infinity });
      rl.on("line", (line) => this.record(`${source}:${name}`, line));
    }
  }

  /** Captures a file written by another process (PostgreSQL's server log), read at the end. */
  async ingestFile(file: string, source: string): Promise<void> {
    try {
      const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
      for await (const line of rl) this.record(source, line);
    } catch {
      // The file may not exist (a server that never started).
    }
  }

  /** Everything this process prints on stdout and stderr is captured too (and still printed). */
  teeProcessOutput(): void {
    if (this.teed) return;
    this.teed = true;
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : String(chunk);
        this.pendingTee[name] += text;
        let nl: number;
        while ((nl = this.pendingTee[name].indexOf("\n")) >= 0) {
          this.record(`runner:${name}`, this.pendingTee[name].slice(0, nl));
          this.pendingTee[name] = this.pendingTee[name].slice(nl + 1);
        }
        return original(chunk, ...rest);
      }) as typeof stream.write;
    }
  }

  watch(options: { keepAll?: boolean } = {}): Watch {
    const w: Watch = {
      errors: [],
      ...(options.keepAll ? { all: [] } : {}),
      stop: () => {
        this.watches.delete(w);
      },
    };
    this.watches.add(w);
    return w;
  }

  private record(source: string, line: string): void {
    this.lines += 1;
    this.bytes += line.length + 1;
    this.bySource.set(source.split(":")[0], (this.bySource.get(source.split(":")[0]) ?? 0) + 1);
    this.out.write(`${source}\t${line}\n`);
    if (this.watches.size === 0) return;
    const entry = { source, line };
    const isError = errorLine(line);
    for (const w of this.watches) {
      w.all?.push(entry);
      if (isError) w.errors.push(entry);
    }
  }

  async flush(): Promise<void> {
    await new Promise<void>((resolve) => this.out.write("", () => resolve()));
  }

  /**
   * Searches every captured line for each secret (as is, and URL-encoded, and base64 for the
   * ones a header could carry). Returns the hits by secret name, with the sources they came from.
   */
  async scan(secrets: Record<string, string>): Promise<{ lines: number; hits: { name: string; source: string; count: number }[] }> {
    await new Promise<void>((resolve) => this.out.end(() => resolve()));
    const needles: { name: string; value: string }[] = [];
    for (const [name, value] of Object.entries(secrets)) {
      if (!value || value.length < 6) continue;
      for (const form of new Set([value, encodeURIComponent(value), Buffer.from(value).toString("base64")])) needles.push({ name, value: form });
    }
    const hits = new Map<string, { name: string; source: string; count: number }>();
    let lines = 0;
    const rl = createInterface({ input: createReadStream(this.file), crlfDelay: Infinity });
    for await (const raw of rl) {
      lines += 1;
      const tab = raw.indexOf("\t");
      const source = raw.slice(0, tab);
      const line = raw.slice(tab + 1);
      for (const needle of needles) {
        if (!line.includes(needle.value)) continue;
        const key = `${needle.name}\t${source}`;
        const hit = hits.get(key) ?? { name: needle.name, source, count: 0 };
        hit.count += 1;
        hits.set(key, hit);
      }
    }
    return { lines, hits: [...hits.values()] };
  }

  /** Deletes the captured log (kept when `keep` is set, for a run whose scan found something). */
  remove(keep = false): void {
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An error-level pino line, or an unstructured line that looks like a crash. */
export function errorLine(line: string): boolean {
  if (line.startsWith("{")) {
    const level = /"level":(\d+)/.exec(line);
    return level !== null && Number(level[1]) >= 50;
  }
  return /Unhandled|UnhandledPromiseRejection|^\s*at .+\(.+:\d+:\d+\)$|^(Type|Reference|Range|Syntax)Error\b/.test(line);
}
