// PGlite on a thread of its own (node:worker_threads), so that Postgres running in WebAssembly
// never holds back the thread that answers HTTP and acknowledges Slack. Plain JavaScript on
// purpose: a worker thread does not inherit the tsx loader that the CLI registers in-process, so
// this file must load with nothing but Node.
//
// Protocol (see pgliteThread.ts, the side that sends):
//   in : { id, op: "query", sql, params, paramTypes } | { id, op: "exec", sql } | { id, op: "close" }
//   out: { ready: true } once open, or { failed: <error> }; then { id, result } or { id, error }
// Results leave here as text, exactly as PostgreSQL sent them: the main thread parses them with
// the parsers the caller gave (functions do not cross threads), so a value is parsed once, by
// the same code as with PGlite in-process.
import { getPriority, setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

// On Linux a thread is a task with a nice value of its own, and setpriority(PRIO_PROCESS, 0)
// changes only the calling thread's: this thread yields the CPU to the event loop's thread when
// both want it, so that on a busy machine an HTTP request is read and acknowledged before the
// database's work goes on. (Elsewhere the call would lower the whole process: not done.)
if (process.platform === "linux" && workerData.nice) {
  try {
    // Relative to the process's own: a process started with `nice -n 10` gets its worker at 15.
    setPriority(Math.min(19, getPriority() + workerData.nice));
  } catch {
    // Not allowed here: the thread keeps the process's priority.
  }
}

const identity = (x) => x;
/** Every type, including array types PGlite registers at start, comes back as text. */
const RAW = new Proxy({}, { get: () => identity });

function errorOf(err) {
  if (err && typeof err === "object" && typeof err.severity === "string" && typeof err.code === "string") {
    const { severity, code, detail, hint, position, internalPosition, internalQuery, where, schema, table, column, dataType, constraint, file, line, routine, length } = err;
    return {
      database: true,
      message: err.message,
      fields: { severity, code, detail, hint, position, internalPosition, internalQuery, where, schema, table, column, dataType, constraint, file, line, routine },
      length: typeof length === "number" ? length : 0,
    };
  }
  return { database: false, name: err?.name ?? "Error", message: err?.message ?? String(err), stack: err?.stack };
}

function raw(results) {
  return {
    fields: results.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
    rows: results.rows,
    affectedRows: results.affectedRows,
    rowCount: results.rowCount,
    command: results.command,
  };
}

let db;
try {
  db = await PGlite.create(workerData.dataDir);
  db.parsers = RAW;
} catch (err) {
  parentPort.postMessage({ failed: errorOf(err) });
  process.exit(0);
}

let closing = false;
parentPort.on("message", async (message) => {
  const { id, op } = message;
  try {
    if (op === "query") {
      const results = await db.query(message.sql, message.params, { rowMode: "array", paramTypes: message.paramTypes });
      parentPort.postMessage({ id, result: raw(results) });
    } else if (op === "exec") {
      const results = await db.exec(message.sql, { rowMode: "array" });
      parentPort.postMessage({ id, result: results.map(raw) });
    } else if (op === "close") {
      if (!closing) {
        closing = true;
        await db.close();
      }
      parentPort.postMessage({ id, result: null });
      parentPort.close();
    } else {
      throw new Error(`unknown operation ${String(op)}`);
    }
  } catch (err) {
    parentPort.postMessage({ id, error: errorOf(err) });
  }
});
parentPort.postMessage({ ready: true });
