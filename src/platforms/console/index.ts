import { createInterface, type Interface } from "node:readline";
import type { Registry } from "../../core/dispatch.ts";
import type { Services } from "../../services.ts";
import { expireOrders } from "../../topups/expireOrders.ts";
import { ConsoleSession, type LineSource } from "./session.ts";

/** The status a shell gives a program ended by Ctrl-C: 128 + SIGINT (2). */
export const EXIT_INTERRUPTED = 130;

/** Lines from a stream, one per call; null at the end. */
export function streamLines(input: NodeJS.ReadableStream): LineSource & { close(): void } {
  const rl = createInterface({ input, crlfDelay: Infinity });
  const iterator = rl[Symbol.asyncIterator]();
  return {
    async next() {
      const { value, done } = await iterator.next();
      return done ? null : (value as string);
    },
    close: () => rl.close(),
  };
}

/** Lines from an array: a script, for tests and replays. */
export function scriptLines(lines: readonly string[]): LineSource {
  let i = 0;
  return { next: async () => (i < lines.length ? lines[i++] : null) };
}

/**
 * Lines typed at the terminal. Lines that arrive while a command runs (pasted, or typed ahead)
 * are kept for the next prompts: readline emits every line, and `question()` alone dropped the
 * ones that came while no question was open.
 */
function terminalLines(): LineSource & { close(): void; readline: Interface } {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const typedAhead: string[] = [];
  let waiting: ((line: string | null) => void) | undefined;
  let closed = false;
  const hand = (line: string | null) => {
    const resolve = waiting;
    waiting = undefined;
    resolve?.(line);
  };
  rl.on("line", (line) => (waiting ? hand(line) : typedAhead.push(line)));
  rl.on("close", () => {
    closed = true;
    hand(null);
  });
  return {
    readline: rl,
    next: (prompt) =>
      new Promise((resolve) => {
        if (typedAhead.length > 0) return resolve(typedAhead.shift()!);
        if (closed) return resolve(null);
        waiting = resolve;
        rl.setPrompt(prompt);
        rl.prompt();
      }),
    close: () => rl.close(),
  };
}

/** A line source that an interrupt ends: the read waiting now, and every later one, get null. */
function interruptible(source: LineSource): LineSource & { interrupt(): void } {
  let interrupted = false;
  let wake: (() => void) | undefined;
  const stopped = new Promise<null>((resolve) => (wake = () => resolve(null)));
  return {
    next: (prompt) => (interrupted ? Promise.resolve(null) : Promise.race([source.next(prompt), stopped])),
    interrupt() {
      interrupted = true;
      wake?.();
    },
  };
}

/**
 * The console playground. Interactive on a terminal; with a script on standard input (or
 * `--script`) it reads every line from there and prints the whole session to standard output.
 *
 * Ctrl-C (a SIGINT, or Ctrl-C typed at the terminal, which readline catches) ends the playground
 * with status 130, as a shell expects of an interrupted program: the command in progress finishes,
 * the database is closed (PGlite's directory lock goes with it), then the process exits. A second
 * Ctrl-C exits at once. The end of the input (Ctrl-D, the end of a script) and `/quit` exit 0.
 */
export async function startConsole(services: Services, registry: Registry, options: { script?: boolean } = {}): Promise<void> {
  const script = options.script ?? !process.stdin.isTTY;
  const terminal = script ? undefined : terminalLines();
  const lines = terminal ?? streamLines(process.stdin);
  const source = interruptible(lines);
  let interrupted = false;
  const interrupt = () => {
    if (interrupted) process.exit(EXIT_INTERRUPTED);
    interrupted = true;
    if (process.stdout.isTTY) process.stdout.write("\n");
    source.interrupt();
  };
  process.on("SIGINT", interrupt);
  terminal?.readline.on("SIGINT", interrupt);

  const session = new ConsoleSession(services, registry, source, (text) => process.stdout.write(`${text}\n`), {
    echo: script,
    customer: services.env.CONSOLE_USER,
    support: services.env.CONSOLE_SUPPORT_USER,
    locale: services.env.DEFAULT_LOCALE,
    ansi: boldAllowed(process.stdout, process.env),
  });
  const expiry = script
    ? undefined
    : setInterval(() => {
        void expireOrders(services)
          .then(() => session.flushOutbox())
          .catch((err) => services.log.error({ err }, "expiry failed"));
      }, 30_000);
  try {
    await session.run();
  } finally {
    if (expiry) clearInterval(expiry);
    lines.close();
    process.off("SIGINT", interrupt);
  }
  if (interrupted) {
    // Whoever started the console would close the database and exit 0; an interrupt is not a success.
    await services.db.close();
    process.exit(EXIT_INTERRUPTED);
  }
}

/**
 * Bold is an escape sequence: only for a terminal, and never when NO_COLOR is set to a non-empty value
 * (https://no-color.org); a pipe or a file gets the plain words.
 */
export function boldAllowed(output: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  return Boolean(output.isTTY) && !env.NO_COLOR;
}
