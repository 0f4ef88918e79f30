import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/index.ts";
import { printable } from "../../src/lib/printable.ts";
import type { Database } from "../../src/db/index.ts";
import { post } from "../../src/ledger/index.ts";
import { openTestDatabase } from "../helpers/db.ts";
import { bufferOutput, parseCsv } from "./io.ts";

/**
 * Issue 13: text a terminal acts on (ESC sequences, BEL, backspace, CR, C1 controls, bidi
 * overrides) must never reach it through the CLI, even from rows written before the usage API
 * refused it.
 */

/** What a terminal would act on: C0 but line feed, DEL, C1, bidi embeddings, overrides, isolates. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

async function run(argv: string[]) {
  const stdout = bufferOutput();
  const stderr = bufferOutput();
  const status = await main(argv, { database: db, environment: {}, stdout, stderr });
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

describe("printable", () => {
  it("escapes C0, DEL, C1, bidi overrides and lone surrogates, and leaves other text alone", () => {
    expect(printable("\u001b[2J\u001b]0;pwned\u0007")).toBe("\\x1b[2J\\x1b]0;pwned\\x07");
    expect(printable("ab\b\bcd\rEF\ttab\nline\u0000")).toBe("ab\\x08\\x08cd\\x0dEF\\x09tab\\x0aline\\x00");
    expect(printable("del\u007f c1\u009b31m \u0085")).toBe("del\\x7f c1\\x9b31m \\x85");
    expect(printable("\u202a\u202b\u202c\u202d\u202e \u2066\u2067\u2068\u2069")).toBe("\\u202a\\u202b\\u202c\\u202d\\u202e \\u2066\\u2067\\u2068\\u2069");
    expect(printable("lone \ud800 and \udc00, pair 🚀")).toBe("lone \\ud800 and \\udc00, pair 🚀");
    expect(printable("gpt-4o «mini» — ünï 名前 back\\slash $1 %s")).toBe("gpt-4o «mini» — ünï 名前 back\\slash $1 %s");
    expect(printable("two\nlines\r\n", { keepNewlines: true })).toBe("two\nlines\\x0d\n");
    expect(printable(null)).toBe("");
  });
});

describe("credit-desk prints stored text escaped", () => {
  it("account show: a usage entry, an identity and an order holding control characters, stored before the API refused them", async () => {
    const { id } = await db.prisma.account.create({ data: {} });
    await post(db.prisma, {
      idempotencyKey: `seed-${id}`,
      actor: { type: "system", id: "test" },
      lines: [{ accountId: id, type: "admin_adjustment", bucket: "principal", amount: 5_000_000n }],
    });
    // As the usage writer stored it before issue 13: the memo is "<model> <endpoint>".
    const model = "\u001b[2J\u001b[H\u001b[31mgpt\u0007";
    const endpoint = "/v1/chat\b\b\b\rFAKE\u009b0m\u202eevil";
    const recordId = "rec-\u001b]0;owned\u0007";
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO "usage_records" ("recordId", "accountId", "model", "endpoint", "cost", "occurredAt") VALUES ($1, $2::uuid, $3, $4, 1000, now())`,
      recordId,
      id,
      model,
      endpoint,
    );
    await post(db.prisma, {
      idempotencyKey: `usage:${recordId}`,
      actor: { type: "system", id: "usage-api\u2066x\u2069" },
      reference: recordId,
      memo: `${model} ${endpoint}`,
      lines: [{ accountId: id, type: "api_usage", amount: -1000n }],
    });
    await db.prisma.chatIdentity.create({
      data: { accountId: id, platform: "slack", workspaceId: "T\u001b[1A", userId: "U\u007f1", displayName: "Ada\u001b[8m\r\nroot" },
    });
    await db.prisma.topupOrder.create({
      data: {
        orderNo: `T-ESC-${id.slice(0, 8)}`,
        accountId: id,
        methodId: "usdt-\u001b[5mtrc20",
        methodKind: "usdt",
        network: "trc20",
        requestedAmount: 25_000_000n,
        instructedAmount: 25_000_000n,
        bonusRule: { flatBps: 2000 },
        expiresAt: new Date(Date.now() + 3_600_000),
        surface: "slack",
        customerWorkspace: "T123",
        customerUserId: "U777",
        txHash: "0xabc\u001b[2K",
      },
    });

    const result = await run(["account", "show", id]);
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(ACTIVE);
    expect(result.stdout).toContain("\\x1b[2J\\x1b[H\\x1b[31mgpt\\x07 /v1/chat\\x08\\x08\\x08\\x0dFAKE\\x9b0m\\u202eevil");
    expect(result.stdout).toContain("rec-\\x1b]0;owned\\x07");
    expect(result.stdout).toContain("system:usage-api\\u2066x\\u2069");
    expect(result.stdout).toMatch(/slack\s+T\\x1b\[1A\s+U\\x7f1\s+Ada\\x1b\[8m\\x0d\\x0aroot/);
    expect(result.stdout).toContain("usdt-\\x1b[5mtrc20");
    expect(result.stdout).toContain("0xabc\\x1b[2K");
    // One line per row: a stored newline does not start a line of its own.
    expect(result.stdout.split("\n").some((line) => line.trim() === "root")).toBe(false);
  });

  it("ledger export: control characters escaped in CSV fields, line feeds kept inside quotes", async () => {
    const { id } = await db.prisma.account.create({ data: {} });
    await post(db.prisma, {
      idempotencyKey: `export-${id}`,
      actor: { type: "system", id: "test" },
      memo: "two\nlines \u001b[2J\u0007",
      lines: [{ accountId: id, type: "admin_adjustment", bucket: "principal", amount: 1_000_000n }],
    });
    const result = await run(["ledger", "export", "--format", "csv"]);
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(ACTIVE);
    const [header, ...rows] = parseCsv(result.stdout);
    const row = rows.find((r) => r[header.indexOf("account_id")] === id)!;
    expect(row[header.indexOf("memo")]).toBe("two\nlines \\x1b[2J\\x07");
  });

  it("error messages echo arguments escaped", async () => {
    const unknown = await run(["\u001b[2Jfrobnicate"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown command "\\x1b[2Jfrobnicate"');
    const badId = await run(["account", "show", "\u001b]0;x\u0007"]);
    expect(badId.status).toBe(2);
    expect(badId.stderr).toContain('"\\x1b]0;x\\x07" is not an account id');
    const badOption = await run(["account", "show", "--\u202eevil"]);
    expect(badOption.status).toBe(2);
    for (const out of [unknown, badId, badOption]) expect(out.stderr).not.toMatch(ACTIVE);
  });
});
