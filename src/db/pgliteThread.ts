import { Worker } from "node:worker_threads";
import { messages, Mutex, TransactionAbortedError, types, type PGlite, type QueryOptions, type Results, type Transaction } from "@electric-sql/pglite";

/**
 * PGlite in a worker thread, behind the part of PGlite's interface that pglite-prisma-adapter
 * and pgliteDriver use: query, exec, transaction (interactive: the callback's queries run
 * between BEGIN and COMMIT, and nothing else does) and close.
 *
 * Postgres in WebAssembly runs on the thread that calls it; in-process, every query held back
 * the event loop that answers HTTP and acknowledges Slack (at 200 requests a second the ack p99
 * went from 7 ms to 800 ms). Here the main thread only sends the statement and its parameters
 * and parses the text that comes back, with the caller's parsers, as PGlite itself would: the
 * parsing is PGlite's own (`types.parseType`), the parameters are serialized by PGlite in the
 * worker from the types PostgreSQL describes, and errors come back as PGlite's DatabaseError.
 *
 * One session, as PGlite has: a transaction holds a mutex that every other query and exec waits
 * for, exactly as PGlite's own transaction mutex does.
 */
export class PGliteThread {
  readonly dataDir: string;
  /** Parsers by type oid: PGlite's defaults and the array types of the database (as PGlite). */
  readonly parsers: Parsers = { ...DEFAULT_PARSERS };
  /** Ours merged with a caller's parsers, by the caller's object (pglite-prisma-adapter passes the same one each time). */
  readonly #merged = new WeakMap<object, Parsers>();
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void; sql?: string; params?: unknown[] }>();
  readonly #transactionMutex = new Mutex();
  #nextId = 1;
  #closed = false;
  #failure: Error | undefined;
  #exited: Promise<void>;

  private constructor(dataDir: string, worker: Worker) {
    this.dataDir = dataDir;
    this.#worker = worker;
    this.#exited = new Promise((resolve) => worker.once("exit", () => resolve()));
    worker.on("message", (message: Reply) => this.#onReply(message));
    worker.on("error", (err) => this.#fail(new Error(`the PGlite worker failed: ${err.message}`, { cause: err })));
    worker.once("exit", (code) => this.#fail(new Error(`the PGlite worker stopped (exit code ${code})`)));
  }

  /**
   * Starts the worker and opens `dataDir` there ("memory://" for a database in memory).
   * @param options.nice the worker thread's nice value on Linux (0: the process's own priority).
   */
  static async start(dataDir: string, options: { nice?: number } = {}): Promise<PGliteThread> {
    const nice = options.nice ?? DEFAULT_WORKER_NICE;
    const worker = new Worker(new URL("./pgliteWorker.mjs", import.meta.url), { workerData: { dataDir, nice } });
    const opened = await new Promise<{ ready: true } | { failed: WireError }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the PGlite worker stopped while opening ${dataDir} (exit code ${code})`)));
    });
    if ("failed" in opened) {
      await once(worker);
      throw errorFrom(opened.failed);
    }
    const thread = new PGliteThread(dataDir, worker);
    worker.unref();
    try {
      await thread.#initArrayTypes();
    } catch (err) {
      await thread.close().catch(() => undefined);
      throw err;
    }
    return thread;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.#transactionMutex.runExclusive(() => this.#query<T>(sql, params, options));
  }

  async exec(sql: string, options?: QueryOptions): Promise<Results[]> {
    return this.#transactionMutex.runExclusive(() => this.#exec(sql, options));
  }

  /** As PGlite's: COMMIT when the callback returns, ROLLBACK when it throws or calls tx.rollback(). */
  async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#transactionMutex.runExclusive(async () => {
      await this.#exec("BEGIN");
      let closed = false;
      const check = () => {
        if (closed) throw new Error("Transaction is closed");
      };
      const tx = {
        query: <R>(sql: string, params?: unknown[], options?: QueryOptions) => {
          check();
          return this.#query<R>(sql, params, options);
        },
        sql: <R>(strings: TemplateStringsArray, ...params: unknown[]) => {
          check();
          const text = strings.reduce((acc, s, i) => `${acc}$${i}${s}`);
          return this.#query<R>(text, params);
        },
        exec: (sql: string, options?: QueryOptions) => {
          check();
          return this.#exec(sql, options);
        },
        rollback: async () => {
          check();
          await this.#exec("ROLLBACK");
          closed = true;
        },
        listen: () => Promise.reject(new Error("LISTEN is not supported on the PGlite worker")),
        get closed() {
          return closed;
        },
      } as unknown as Transaction;
      try {
        const result = await callback(tx);
        if (!closed) {
          closed = true;
          const [commit] = await this.#exec("COMMIT");
          if ((commit as Results & { command?: string }).command === "ROLLBACK") throw Object.assign(new TransactionAbortedError(), { query: "COMMIT" });
        }
        return result;
      } catch (err) {
        if (!closed) {
          closed = true;
          await this.#exec("ROLLBACK");
        }
        throw err;
      }
    });
  }

  /** Waits for the running transaction and queries, closes the database, and ends the worker. */
  async close(): Promise<void> {
    if (this.#closed) return this.#exited;
    await this.#transactionMutex.runExclusive(async () => {
      if (this.#closed) return;
      if (!this.#failure) await this.#call({ op: "close" }).catch(() => undefined);
      this.#closed = true;
    });
    const timer = setTimeout(() => void this.#worker.terminate(), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }

  /** This object where a PGlite is expected (pglite-prisma-adapter, pgliteDriver). */
  asPGlite(): PGlite {
    return this as unknown as PGlite;
  }

  // ---- internals ------------------------------------------------------------------------------

  async #query<T>(sql: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
    unsupported(options);
    const result = (await this.#call({ op: "query", sql, params, paramTypes: options?.paramTypes }, sql, params)) as RawResults;
    return this.#parse(result, options) as Results<T>;
  }

  async #exec(sql: string, options?: QueryOptions): Promise<Results[]> {
    unsupported(options);
    const results = (await this.#call({ op: "exec", sql }, sql)) as RawResults[];
    return results.map((r) => this.#parse(r, options));
  }

  #parse(result: RawResults, options?: QueryOptions): Results {
    const { fields } = result;
    // One parser per column, looked up once (as PGlite's parseType would for each value).
    const parsers = this.#parsersFor(options?.parsers);
    const columns = fields.map((f) => parsers[f.dataTypeID] ?? DEFAULT_PARSERS[f.dataTypeID]);
    const value = (text: string | null, i: number) => (text === null ? null : columns[i] ? columns[i](text, fields[i].dataTypeID) : text);
    const rows =
      options?.rowMode === "array"
        ? result.rows.map((row) => row.map(value))
        : result.rows.map((row) => {
            const object: Record<string, unknown> = {};
            for (let i = 0; i < row.length; i++) object[fields[i].name] = value(row[i], i);
            return object;
          });
    const parsed: Results & { command?: string; rowCount?: number } = { rows, fields, affectedRows: result.affectedRows ?? 0 };
    if (result.command !== undefined) parsed.command = result.command;
    if (result.rowCount !== undefined) parsed.rowCount = result.rowCount;
    return parsed;
  }

  /** The parsers in force for a query: ours, overridden by the caller's (merged once per caller's object). */
  #parsersFor(overrides: QueryOptions["parsers"]): Parsers {
    if (!overrides) return this.parsers;
    let merged = this.#merged.get(overrides);
    if (!merged) {
      merged = { ...this.parsers, ...overrides } as Parsers;
      this.#merged.set(overrides, merged);
    }
    return merged;
  }

  /** PGlite registers a parser for each array type at start (its _initArrayTypes); so do we. */
  async #initArrayTypes(): Promise<void> {
    const { rows } = await this.query<{ oid: number; typarray: number }>(`
      SELECT b.oid, b.typarray
      FROM pg_catalog.pg_type a
      LEFT JOIN pg_catalog.pg_type b ON b.oid = a.typelem
      WHERE a.typcategory = 'A'
      GROUP BY b.oid, b.typarray
      ORDER BY b.oid`);
    for (const { oid, typarray } of rows) {
      this.parsers[typarray] = (x: string) => types.arrayParser(x, this.parsers[oid] as (x: string) => unknown, typarray);
    }
  }

  #call(request: Request, sql?: string, params?: unknown[]): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new Error("the database is closed"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, sql, params });
      // Only a request in flight keeps the process alive: an idle database never holds up exit.
      if (this.#pending.size === 1) this.#worker.ref();
      try {
        this.#worker.postMessage({ id, ...request });
      } catch (err) {
        this.#settled(id);
        reject(err as Error);
      }
    });
  }

  #settled(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
  }

  #onReply(message: Reply): void {
    if (!("id" in message)) return;
    const waiting = this.#pending.get(message.id);
    if (!waiting) return;
    this.#settled(message.id);
    if ("error" in message) {
      const err = errorFrom(message.error);
      if (err instanceof messages.DatabaseError) Object.assign(err, { query: waiting.sql, params: waiting.params });
      waiting.reject(err);
    } else {
      waiting.resolve(message.result);
    }
  }

  #fail(err: Error): void {
    if (!this.#closed && !this.#failure) this.#failure = err;
    const failure = this.#failure ?? err;
    for (const [id, waiting] of this.#pending) {
      this.#pending.delete(id);
      waiting.reject(failure);
    }
  }
}

/**
 * How much the database thread yields to the event loop's thread (Linux nice value, 0 to 19):
 * enough that a request waiting to be acknowledged gets the CPU first on a busy machine.
 */
export const DEFAULT_WORKER_NICE = 5;

type Parsers = Record<number | string, (x: string, typeId?: number) => unknown>;
const DEFAULT_PARSERS: Parsers = types.parsers;

type Request = { op: "query"; sql: string; params: unknown[]; paramTypes?: number[] } | { op: "exec"; sql: string } | { op: "close" };

interface RawResults {
  fields: { name: string; dataTypeID: number }[];
  rows: (string | null)[][];
  affectedRows?: number;
  rowCount?: number;
  command?: string;
}

type WireError =
  | { database: true; message: string; length: number; fields: Record<string, string | undefined> }
  | { database: false; name: string; message: string; stack?: string };

type Reply = { ready: true } | { failed: WireError } | { id: number; result: unknown } | { id: number; error: WireError };

function errorFrom(wire: WireError): Error {
  if (wire.database) {
    const err = new messages.DatabaseError(wire.message, wire.length, "error");
    for (const [key, value] of Object.entries(wire.fields)) if (value !== undefined) (err as unknown as Record<string, string>)[key] = value;
    return err;
  }
  const err = new Error(wire.message);
  err.name = wire.name;
  if (wire.stack) err.stack = wire.stack;
  return err;
}

function unsupported(options?: QueryOptions): void {
  // Functions cannot cross to the worker; parsers run here, serializers would have to run there.
  if (options?.serializers || options?.blob || options?.onNotice) {
    throw new Error("the PGlite worker does not take serializers, blob or onNotice options");
  }
}

function once(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    worker.once("exit", () => resolve());
  });
}
