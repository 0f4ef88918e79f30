import fc from "fast-check";
import { parseAmount } from "../../../../src/ledger/money.ts";
import type { MethodsConfig } from "../../../../src/methods/paymentMethods.ts";
import { normalizeOrderRef } from "../../../../src/topups/orderStatus.ts";

/**
 * Generators of bad inputs, shared by every entrance. A command input is a command name, its
 * arguments by option name, and who sends it (a customer or a support member). The generators
 * aim at what each command checks (amounts, methods, hashes, order references, thresholds, link
 * codes, reasons, notes, file contents), plus junk of every kind (control characters, NUL, RTL
 * marks, emoji, very long text, injection-looking strings, format placeholders).
 *
 * Nothing here may be a valid request that writes: `mayWrite` says which generated inputs could
 * be accepted (a top-up of a valid amount on a real method, a threshold that can be set, a support
 * decision on an order that is open), and those are dropped. What remains must be refused, with
 * a message, and change nothing.
 */

export type Role = "customer" | "support";

/** The command of a CommandInput that is a raw line of junk (in args.raw), not a command. */
export const RAW_LINE = "\u0000raw-line";

export function rawLine(line: string): CommandInput {
  return { role: "customer", command: RAW_LINE, args: { raw: line } };
}

export interface CommandInput {
  role: Role;
  command: string;
  args: Record<string, string>;
}

/** What the generators know of the database they run against (set up by the fuzz section). */
export interface FuzzWorld {
  methods: MethodsConfig;
  /** Order numbers and ids that a support decision would change (pending, submitted, rejected). */
  openOrders: string[];
  /** Orders in a final state (confirmed, cancelled): any decision on them is refused. */
  closedOrders: string[];
  /** Orders of other customers (any state): a customer naming one gets "not found". */
  foreignOrders: string[];
  /** Each fuzz user's own pending orders, by user id (a cancel of one would be valid). */
  ownPending: Map<string, string[]>;
}

// ---- pieces ------------------------------------------------------------------------------------

const nasty = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "\u0000\u0000abc",
  "\t\r\n",
  "\u202e10",
  "\u200b",
  "\ufeff",
  "💸💸💸",
  "🧾" .repeat(60),
  "𝟏𝟎",
  "１０",
  "٣٠",
  "10\u00a0",
  "'; DROP TABLE ledger_entries; --",
  "\" OR 1=1 --",
  "<script>alert(1)</script>",
  "${process.env.SLACK_BOT_TOKEN}",
  "{traceId}",
  "{{amount}}",
  "%s%s%s%n",
  "../../../../etc/passwd",
  "\\u0000",
  "NaN",
  "Infinity",
  "-Infinity",
  "undefined",
  "null",
  "[object Object]",
  "__proto__",
  "constructor",
  "{\"c\":\"confirm\"}",
  "x".repeat(5000),
  "9".repeat(400),
  "CD-" + "9".repeat(80),
  "@".repeat(30),
  "`rm -rf /`",
  "*bold* _it_ ~s~ <!channel> <@U0SUPPORT01>",
  "@everyone @here",
);

const text = fc.oneof(
  { weight: 3, arbitrary: nasty },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 201, maxLength: 2000 }) },
);

const badAmount = fc.oneof(
  fc.constantFrom(
    "0", "0.0", "-1", "-10", "-0", "+10", "1e3", "1E2", "10e-2", "0x10", "0b101", "10,5", "10.", ".5", "10..5", "1.2.3", "10.1234567",
    "0.0000001", "5", "9.999999", "1", "0.5", "60000", "50000.000001", "100000000", "99999999999999999999", "9223372036854775808",
    "92233720368547.75808", "9223372036854.775807", "1" + "0".repeat(30), "10 USDT", "$-10", "$$10", "ten", "10k", "1_000",
    "1,00", "1,0000", "١٠", "１０", "10\u0000", "\u202e01", " 10 0", "0x", "NaN", "Infinity", "1/0",
  ),
  text,
  fc.double().map(String),
  fc.bigInt({ min: 10n ** 13n, max: 10n ** 40n }).map(String),
);

const badHash = fc.oneof(
  fc.constantFrom("0x", "0x123", "0x" + "g".repeat(64), "0x" + "a".repeat(63), "0x" + "a".repeat(65), "a".repeat(66), "0X" + "A".repeat(64) + " extra", "0x" + "0".repeat(64) + "\u0000"),
  fc.string({ unit: fc.constantFrom(..."0123456789abcdefxyzXYZ"), maxLength: 70 }),
  text,
);
/** A hash of the right shape (so the check goes on to the next field). */
const goodShapeHash = fc.stringMatching(/^0x[0-9a-f]{64}$/);

const reason = fc.oneof(fc.constantFrom("other", "", "wrong network", "WRONG_NETWORK", "approve", "confirm"), text);

function orderRef(pool: string[]): fc.Arbitrary<string> {
  const fromPool = pool.length ? [fc.constantFrom(...pool)] : [];
  return fc.oneof(
    ...fromPool,
    fc.constantFrom("CD-999999", "cd-0", "0", "-1", "CD-", "CD-00000A", "CD-1234567890", "00000000-0000-4000-8000-000000000000", "not-an-order", "1e3"),
    fc.integer({ min: 900_000, max: 999_999_999 }).map((n) => `CD-${n}`),
    text,
  );
}

// ---- command inputs ----------------------------------------------------------------------------

export function commandInputs(world: FuzzWorld, user: string): fc.Arbitrary<CommandInput> {
  const methodIds = world.methods.methods.map((m) => m.id);
  const method = fc.oneof(fc.constantFrom(...methodIds), fc.constantFrom(...methodIds.map((m) => m.toUpperCase() + " ")), text, fc.constantFrom("btc", "usdt", "trc-20", "erc20 ", "bank\u0000"));
  const customerRefs = orderRef([...world.foreignOrders, ...world.closedOrders, ...(world.ownPending.get(user) ?? [])]);
  const supportRefs = orderRef(world.closedOrders);
  const c = (command: string, args: fc.Arbitrary<Record<string, string | undefined>>, role: Role = "customer") => args.map((a) => ({ role, command, args: stripUndefined(a) }));
  const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

  const customer = fc.oneof(
    { weight: 4, arbitrary: c("topup", fc.record({ method, amount: badAmount })) },
    { weight: 1, arbitrary: c("topup", fc.record({ method: text })) },
    { weight: 3, arbitrary: c("proof", fc.record({ order: opt(customerRefs), txHash: fc.oneof(badHash, goodShapeHash) })) },
    { weight: 2, arbitrary: c("check", fc.record({ txHash: fc.oneof(badHash, goodShapeHash), order: opt(customerRefs) })) },
    { weight: 2, arbitrary: c("cancel", fc.record({ order: customerRefs })) },
    { weight: 2, arbitrary: c("alerts", fc.record({ threshold: fc.oneof(badAmount, fc.constantFrom("1000001", "99999999", "off!", "on", "disable it")) })) },
    { weight: 2, arbitrary: c("link", fc.record({ code: fc.oneof(fc.stringMatching(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/), text, fc.constantFrom("0000-0000-0000", "IIII-LLLL-OOOO")) })) },
    { weight: 1, arbitrary: c("help", fc.record({ topic: text })) },
    { weight: 1, arbitrary: c("balance", fc.record({ junk: text })) },
    { weight: 1, arbitrary: c("history", fc.record({ junk: text })) },
    // Support commands sent by a customer: refused, and the refusal recorded.
    { weight: 3, arbitrary: fc.record({ command: fc.constantFrom("confirm", "reject", "reopen", "recheck", "queue", "account", "payment-credit", "payment-dismiss"), order: orderRef([...world.openOrders, ...world.closedOrders]), extra: text }).map((r) => ({ role: "customer" as Role, command: r.command, args: { order: r.order, payment: r.order, query: r.order, amount: r.extra, reason: "other", note: r.extra } })) },
    { weight: 3, arbitrary: fc.record({ command: fc.oneof(text, fc.constantFrom("topup!", "TOPUP", "refund", "adjust", "credits", "sudo", "confirm;", "help help")), a: text }).map((r) => ({ role: "customer" as Role, command: r.command, args: { arg1: r.a } })) },
  );
  const support = fc.oneof(
    { weight: 3, arbitrary: c("confirm", fc.record({ order: supportRefs, amount: opt(badAmount) }), "support") },
    { weight: 3, arbitrary: c("reject", fc.record({ order: supportRefs, reason: opt(reason), note: opt(text) }), "support") },
    { weight: 2, arbitrary: c("reopen", fc.record({ order: supportRefs }), "support") },
    { weight: 1, arbitrary: c("recheck", fc.record({ order: supportRefs }), "support") },
    { weight: 2, arbitrary: c("account", fc.record({ query: text }), "support") },
    { weight: 2, arbitrary: c("payment-credit", fc.record({ payment: fc.oneof(text, fc.constantFrom("P-000001", "P-999999", "p-1", "0")), target: opt(fc.oneof(supportRefs, text)) }), "support") },
    { weight: 2, arbitrary: c("payment-dismiss", fc.record({ payment: fc.oneof(text, fc.constantFrom("P-000001", "P-999999")), note: opt(text) }), "support") },
  );
  return fc.oneof({ weight: 4, arbitrary: customer }, { weight: 1, arbitrary: support }).filter((input) => !mayWrite(world, user, input));
}

function stripUndefined(args: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(args).filter((e): e is [string, string] => e[1] !== undefined));
}

const OFF_WORDS = new Set(["off", "none", "disable", "关闭", "关"]);
const BIGINT_MAX = 2n ** 63n - 1n;

function parses(amount: string | undefined): bigint | null {
  if (amount === undefined) return null;
  try {
    return parseAmount(amount);
  } catch {
    return null;
  }
}

/**
 * Could this input be accepted and write? Conservative: anything that might is dropped.
 * (A refusal that is recorded in the audit log, or counted against the user's rate limit, is not
 * a write of the kind this looks for: those tables are reported apart.)
 */
export function mayWrite(world: FuzzWorld, user: string, input: CommandInput): boolean {
  const { command, args } = input;
  const name = command.trim().toLowerCase();
  const refersTo = (ref: string | undefined, pool: string[]) => {
    if (ref === undefined) return false;
    const normalized = normalizeOrderRef(ref.trim());
    return normalized !== null && pool.some((o) => o.toUpperCase() === normalized.toUpperCase() || o.toLowerCase() === normalized.toLowerCase());
  };
  if (name === "topup") {
    const method = world.methods.methods.find((m) => m.id === (args.method ?? "").trim().toLowerCase());
    const amount = parses(args.amount);
    // An amount past PostgreSQL's bigint cannot be valid, whatever the method says.
    if (method && amount !== null && amount <= BIGINT_MAX && amount >= method.minimum && (method.maximum === undefined || amount <= method.maximum)) return true;
  }
  if (name === "alerts") {
    const threshold = (args.threshold ?? "").trim().toLowerCase();
    if (OFF_WORDS.has(threshold)) return true;
    const amount = parses(args.threshold);
    if (amount !== null && amount <= 1_000_000n * 1_000_000n) return true;
  }
  if (name === "cancel" && refersTo(args.order, world.ownPending.get(user) ?? [])) return true;
  if (input.role === "support" && ["confirm", "reject", "reopen", "recheck", "payment-credit"].includes(name)) {
    if (refersTo(args.order, world.openOrders) || refersTo(args.target, world.openOrders)) return true;
  }
  // Anything else cannot write: a link code that exists, or a payment that exists, is never generated.
  return false;
}

// ---- text surfaces -------------------------------------------------------------------------------

/** Positional text, as `/credits <command> <args…>` takes it (the console and Slack). */
export function asCommandLine(input: CommandInput, order: string[]): string {
  const values = order.map((name) => input.args[name]).filter((v) => v !== undefined);
  const rest = Object.entries(input.args).filter(([k]) => !order.includes(k)).map(([, v]) => v);
  return [input.command, ...values, ...rest].map(quoteIfNeeded).join(" ");
}

function quoteIfNeeded(word: string): string {
  return /\s/.test(word) && !word.includes('"') ? `"${word}"` : word;
}

/** Raw junk lines: what a person (or a cat on the keyboard) might type. */
export const junkLine: fc.Arbitrary<string> = fc.oneof(
  text,
  fc.array(text, { minLength: 2, maxLength: 6 }).map((w) => w.join(" ")),
  fc.constantFrom(
    "/credits", "/credits ", "credits credits topup", "/as", "/as admin", "/as support\u0000", "/lang", "/lang xx-YY", "/lang \u0000", "/wait", "/wait -5",
    "/wait 1e9", "/wait abc", "/quit now", "/ as support", "//topup", "topup trc20 10 10 10 10", "topup=", "method=trc20 amount=-1", "\"unterminated",
    "'single", "proof @/nonexistent/file.png", "proof CD-999999 0x00 @/etc/hostname", "0", "00", "999", "-1", "1.5", "# not a comment?",
  ),
);

// ---- HTTP ----------------------------------------------------------------------------------------

export interface HttpInput {
  method: string;
  path: string;
  /** Raw body text (sent as is), or undefined. */
  body?: string;
  headers: Record<string, string>;
  /** What this input is about, for the counts and the report. */
  kind: "usage" | "link-codes" | "balance" | "other";
}

const uuidLike = fc.oneof(fc.uuid(), fc.uuid().map((u) => u.toUpperCase()), fc.constantFrom("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"));
const jsonJunk: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue(), fc.constantFrom(null, true, 0, -1, 1.5, 1e308, "", [], {}, [[]], { records: null }));

function badRecord(): fc.Arbitrary<unknown> {
  const valid = {
    id: "fuzz-1",
    accountId: "00000000-0000-4000-8000-000000000000",
    model: "gpt-test",
    endpoint: "/v1/chat",
    inputTokens: 1,
    outputTokens: 1,
    cachedTokens: 0,
    calls: 1,
    cost: "1500",
    time: "2026-01-01T00:00:00Z",
  };
  const fieldValues: Record<string, fc.Arbitrary<unknown>> = {
    id: fc.oneof(fc.constantFrom("", "x".repeat(201), "a\u0000b", 1, null, {}), text),
    accountId: fc.oneof(fc.constantFrom("", "not-a-uuid", "00000000-0000-4000-8000-00000000000", 42, null), uuidLike, text),
    model: fc.oneof(fc.constantFrom("", "m".repeat(201), "\u0000", 1, []), text),
    endpoint: fc.oneof(fc.constantFrom("", "e".repeat(201), "\u0000", false), text),
    inputTokens: fc.oneof(fc.constantFrom(-1, 1.5, 2_147_483_648, 1e21, "1", null, Number.MAX_SAFE_INTEGER), fc.double()),
    outputTokens: fc.oneof(fc.constantFrom(-1, 0.1, 2 ** 53, "2", {}), fc.integer()),
    cachedTokens: fc.constantFrom(-5, 1e10, "0", true),
    calls: fc.constantFrom(-1, 3.3, 1e300, "1", []),
    cost: fc.oneof(
      fc.constantFrom(1500, -1, 1.5, "", "-1", "1.5", "1e3", "0x10", " 15", "15 ", "+1", "１５", "9".repeat(19), "9".repeat(18), "1000000000001", "9223372036854775807", "9223372036854775808", null),
      fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String),
      text,
    ),
    time: fc.oneof(fc.constantFrom("", "yesterday", "2026-13-01T00:00:00Z", "2026-01-01", "2026-01-01T00:00:00", "0000-00-00T00:00:00Z", "+275760-09-13T00:00:00.001Z", "-000001-01-01T00:00:00Z", 0, 1700000000, null), fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString()))),
  };
  const oneFieldBroken = fc.record({ field: fc.constantFrom(...Object.keys(fieldValues)), drop: fc.boolean() }).chain(({ field, drop }) =>
    drop ? fc.constant(Object.fromEntries(Object.entries(valid).filter(([k]) => k !== field))) : fieldValues[field].map((v) => ({ ...valid, [field]: v })),
  );
  // Well-formed records for accounts that do not exist: rejected one by one, nothing debited.
  const unknownAccount = fc.record({ id: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !s.includes("\u0000")), accountId: fc.uuid(), cost: fc.bigInt({ min: 0n, max: 10n ** 12n }).map(String) }).map((r) => ({ ...valid, ...r }));
  return fc.oneof({ weight: 5, arbitrary: oneFieldBroken }, { weight: 2, arbitrary: unknownAccount }, { weight: 1, arbitrary: jsonJunk }, { weight: 1, arbitrary: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }) });
}

export function httpInputs(apiKey: string): fc.Arbitrary<HttpInput> {
  const auth: fc.Arbitrary<Record<string, string>> = fc.oneof(
    { weight: 8, arbitrary: fc.constant({ authorization: `Bearer ${apiKey}` }) },
    { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({}, { authorization: "" }, { authorization: "Bearer" }, { authorization: "Bearer wrong-key" }, { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` }, { authorization: `bearer ${apiKey}x` }, { authorization: `Bearer ${apiKey.slice(0, -1)}` }, { authorization: "Bearer \u00ff\u00fe" }) },
  );
  const json = (v: unknown) => JSON.stringify(v);
  const usageBody = fc.oneof(
    { weight: 6, arbitrary: fc.array(badRecord(), { minLength: 1, maxLength: 8 }).map((records) => json({ records })) },
    { weight: 1, arbitrary: jsonJunk.map(json) },
    { weight: 1, arbitrary: fc.constantFrom("", "{", "{\"records\":", "[]", "{\"records\":{}}", "{\"records\":[]}", "\u0000", "{\"records\":[1,2,3]}", "{\"records\":\"x\"}", "null", "NaN", "{'records': []}", "{\"records\":[{}],\"records\":5}") },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1001, max: 1500 }).map((n) => json({ records: Array.from({ length: n }, () => ({})) })) },
    { weight: 1, arbitrary: fc.constant(`{"records":[${"[".repeat(5000)}${"]".repeat(5000)}]}`) },
  );
  const linkBody = fc.oneof(
    fc.record({ accountId: fc.oneof(uuidLike, text, fc.constantFrom(1, null, [])), ttlMinutes: fc.option(fc.oneof(fc.constantFrom(0, -1, 1.5, 10081, 1e300, "60", null), fc.integer()), { nil: undefined }) }).map(json),
    jsonJunk.map(json),
    fc.constantFrom("", "{", "[]", "{\"accountId\":\"\u0000\"}"),
  );
  const balanceId = fc.oneof(fc.uuid(), text.map(encodeURIComponent), fc.constantFrom("%", "%zz", "..", "%2e%2e", "a/b", "%2F", "%00", "null", "x".repeat(3000), "00000000-0000-4000-8000-00000000000g"));
  const usage = fc.record({ body: usageBody, headers: auth, type: fc.constantFrom("application/json", "application/json", "text/plain", "application/x-www-form-urlencoded", "") }).map(
    ({ body, headers, type }): HttpInput => ({ method: "POST", path: "/api/v1/usage", body, headers: { ...headers, ...(type ? { "content-type": type } : {}) }, kind: "usage" }),
  );
  const link = fc.record({ body: linkBody, headers: auth }).map(({ body, headers }): HttpInput => ({ method: "POST", path: "/api/v1/link-codes", body, headers: { ...headers, "content-type": "application/json" }, kind: "link-codes" }));
  const balance = fc.record({ id: balanceId, headers: auth, suffix: fc.constantFrom("", "/", "?x=1", "//", "/extra") }).map(({ id, headers, suffix }): HttpInput => ({ method: "GET", path: `/api/v1/accounts/${id}/balance${suffix}`, headers, kind: "balance" }));
  const other = fc.record({
    method: fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "POST", "OPTIONS"),
    path: fc.constantFrom("/api/v1/usage", "/api/v1/link-codes", "/api/v1/accounts//balance", "/api/v1", "/api/v2/usage", "/metrics", "/healthz", "/slack/events", "/slack/screenshots/abc", "/%", "/" + "a".repeat(5000)),
    headers: auth,
  }).map(({ method, path, headers }): HttpInput => ({ method, path, headers, kind: "other", ...(method === "GET" || method === "OPTIONS" ? {} : { body: "{}" }) }));
  return fc.oneof({ weight: 5, arbitrary: usage }, { weight: 2, arbitrary: link }, { weight: 2, arbitrary: balance }, { weight: 1, arbitrary: other });
}

// ---- files -----------------------------------------------------------------------------------------

/** Bytes that are no acceptable screenshot: not an image by content, empty, or an image over `maxBytes`. */
export function badFileBytes(maxBytes: number): fc.Arbitrary<{ name: string; type: string; bytes: Uint8Array }> {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  return fc.oneof(
    fc.uint8Array({ maxLength: 300 }).filter((b) => !looksLikeImage(b)).map((bytes) => ({ name: "receipt.png", type: "image/png", bytes })),
    fc.constant({ name: "empty.png", type: "image/png", bytes: new Uint8Array() }),
    fc.constant({ name: "page.html", type: "text/html", bytes: new TextEncoder().encode("<html><body>Sign in</body></html>") }),
    fc.constant({ name: "big.png", type: "image/png", bytes: new Uint8Array([...png, ...new Uint8Array(maxBytes + 10)]) }),
    fc.constant({ name: "fake.gif", type: "image/gif", bytes: new TextEncoder().encode("GIF87") }),
    fc.constant({ name: "evil.svg", type: "image/svg+xml", bytes: new TextEncoder().encode("<svg onload=alert(1)></svg>") }),
  );
}

function looksLikeImage(b: Uint8Array): boolean {
  return (b[0] === 0x89 && b[1] === 0x50) || (b[0] === 0xff && b[1] === 0xd8) || (b[0] === 0x47 && b[1] === 0x49) || (b[0] === 0x52 && b[1] === 0x49);
}

/** A deterministic sample of `n` values of an arbitrary. */
export function sample<T>(arb: fc.Arbitrary<T>, n: number, seed: number): T[] {
  return fc.sample(arb, { numRuns: n, seed });
}
