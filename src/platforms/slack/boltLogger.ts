import { LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import type { Logger } from "../../log.ts";

const ORDER = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];

/**
 * Bolt and the Web client log through this, into our pino logger (which redacts secrets).
 * Below warn Bolt talks about every request; that is noise at 200 requests a second.
 */
export function boltLogger(log: Logger, initial: LogLevel = LogLevel.WARN): BoltLogger {
  let level = initial;
  const child = log.child({ component: "slack" });
  const enabled = (l: LogLevel) => ORDER.indexOf(l) >= ORDER.indexOf(level);
  const text = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : JSON.stringify(m))).join(" ");
  return {
    debug: (...msg) => enabled(LogLevel.DEBUG) && child.debug(text(msg)),
    info: (...msg) => enabled(LogLevel.INFO) && child.info(text(msg)),
    warn: (...msg) => enabled(LogLevel.WARN) && child.warn(text(msg)),
    error: (...msg) => enabled(LogLevel.ERROR) && child.error(text(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
