import { createInterface } from "node:readline";
import type { Registry } from "../../core/dispatch.ts";
import type { Services } from "../../services.ts";
import { expireOrders } from "../../topups/expireOrders.ts";
import { ConsoleSession, type LineSource } from "./session.ts";

/** Lines from a stream, one per call; null at the end. */
export function streamLines(input: NodeJS.ReadableStream): LineSource {
  const iterator = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  return {
    async next() {
      const { value, done } = await iterator.next();
      return done ? null : (value as string);
    },
  };
}

/** Lines from an array: a script, for tests and replays. */
export function scriptLines(lines: readonly string[]): LineSource {
  let i = 0;
  return { next: async () => (i < lines.length ? lines[i++] : null) };
}

function terminalLines(): LineSource & { close(): void } {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  let closed = false;
  rl.on("close", () => (closed = true));
  return {
    next: (prompt) =>
      new Promise((resolve) => {
        if (closed) return resolve(null);
        const onClose = () => resolve(null);
        rl.once("close", onClose);
        rl.question(prompt, (answer) => {
          rl.off("close", onClose);
          resolve(answer);
        });
      }),
    close: () => rl.close(),
  };
}

/**
 * The console playground. Interactive on a terminal; with a script on standard input (or
 * `--script`) it reads every line from there and prints the whole session to standard output.
 */
export async function startConsole(services: Services, registry: Registry, options: { script?: boolean } = {}): Promise<void> {
  const script = options.script ?? !process.stdin.isTTY;
  const source = script ? streamLines(process.stdin) : terminalLines();
  const session = new ConsoleSession(services, registry, source, (text) => process.stdout.write(`${text}\n`), {
    echo: script,
    customer: services.env.CONSOLE_USER,
    support: services.env.CONSOLE_SUPPORT_USER,
    locale: services.env.DEFAULT_LOCALE,
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
    if ("close" in source && typeof source.close === "function") source.close();
  }
}
