import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/index.ts";
import { openDatabase, type Database } from "../../src/db/index.ts";
import { post } from "../../src/ledger/index.ts";
import { createTestDatabaseUrl, onPostgres, openTestDatabase } from "../helpers/db.ts";
import { bufferOutput, parseCsv } from "./io.ts";

let db: Database;
const tmp = mkdtempSync(path.join(tmpdir(), "cd-cli-"));
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function run(argv: string[], options: { database?: Database; environment?: NodeJS.ProcessEnv; tty?: boolean } = {}) {
  const stdout = bufferOutput();
  const stderr = bufferOutput(options.tty ?? false);
  const status = await main(argv, { database: options.database ?? db, environment: options.environment ?? {}, stdout, stderr });
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

async function accountWithMoney(principal: bigint, tag: string): Promise<string> {
  const { id } = await db.prisma.account.create({ data: {} });
  await post(db.prisma, {
    idempotencyKey: `cli-${tag}-${id}`,
    actor: { type: "support", id: "U_SUPPORT" },
    reference: `order:${tag}`,
    memo: "USDT top-up",
    lines: [
      { accountId: id, type: "usdt_topup", bucket: "principal", amount: principal },
      { accountId: id, type: "topup_bonus", bucket: "bonus", amount: principal / 5n },
    ],
  });
  return id;
}

describe("credit-desk migrate", () => {
  it("applies the migrations to a new database, then reports it up to date", async () => {
    const fresh = onPostgres ? await openDatabase({ url: await createTestDatabaseUrl(), poolSize: 2 }) : await openDatabase({ dataDir: "memory://" });
    try {
      const first = await run(["migrate"], { database: fresh });
      expect(first.status).toBe(0);
      expect(first.stdout).toMatch(/applied \d{14}_init/);
      expect(await fresh.prisma.account.count()).toBe(0);
      const second = await run(["migrate"], { database: fresh });
      expect(second.status).toBe(0);
      expect(second.stdout).toContain("up to date");
      expect(second.stdout).not.toContain("applied 2");
    } finally {
      await fresh.close();
    }
  });
});

describe("credit-desk reconcile", () => {
  it("exits 0 when every cache matches its entries, and 1 naming each account that does not", async () => {
    const good = await accountWithMoney(10_000_000n, "good");
    const clean = await run(["reconcile"]);
    expect(clean.status).toBe(0);
    expect(clean.stdout).toMatch(/\d+ accounts checked/);

    const bad1 = await accountWithMoney(7_000_000n, "bad1");
    const bad2 = await accountWithMoney(3_000_000n, "bad2");
    // The cache is an ordinary table: corrupt it behind the ledger's back.
    await db.prisma.balance.update({ where: { accountId_bucket: { accountId: bad1, bucket: "bonus" } }, data: { amount: 1n } });
    await db.prisma.balance.create({ data: { accountId: bad2, bucket: "promo", amount: 5n } });
    try {
      const dirty = await run(["reconcile"]);
      expect(dirty.status).toBe(1);
      expect(dirty.stdout).toContain(`MISMATCH account ${bad1} bucket bonus: entries sum to 1400000, cache holds 1`);
      expect(dirty.stdout).toContain(`MISMATCH account ${bad2} bucket promo: entries sum to 0, cache holds 5`);
      expect(dirty.stdout).toContain("2 of");
      expect(dirty.stdout).not.toContain(good);
    } finally {
      await db.prisma.balance.update({ where: { accountId_bucket: { accountId: bad1, bucket: "bonus" } }, data: { amount: 1_400_000n } });
      await db.prisma.balance.delete({ where: { accountId_bucket: { accountId: bad2, bucket: "promo" } } });
    }
    expect((await run(["reconcile"])).status).toBe(0);
  });
});

describe("credit-desk ledger export", () => {
  it("streams every entry as CSV in id order, page by page, with awkward text intact", async () => {
    const id = await accountWithMoney(1_234_567n, "export");
    for (let i = 0; i < 9; i++) {
      await post(db.prisma, {
        idempotencyKey: `usage-export-${id}-${i}`,
        actor: { type: "system", id: "gateway" },
        memo: i === 0 ? 'says "hi", then\nleaves' : i === 1 ? "=HYPERLINK(\"http://evil\")" : `call ${i}`,
        lines: [{ accountId: id, type: "api_usage", amount: -100_001n }],
      });
    }
    const entries = await db.prisma.ledgerEntry.findMany({ orderBy: { id: "asc" } });

    const result = await run(["ledger", "export", "--format", "csv", "--batch", "4"]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
    const [header, ...rows] = parseCsv(result.stdout);
    expect(header).toEqual([
      "id", "created_at", "posting_id", "account_id", "type", "bucket", "amount_micros", "amount_usd",
      "balance_after_micros", "bucket_balance_after_micros", "actor_type", "actor_id", "reference", "memo", "idempotency_key",
    ]);
    expect(rows).toHaveLength(entries.length);
    expect(rows.map((r) => r[0])).toEqual(entries.map((e) => e.id.toString()));
    const col = (name: string) => header.indexOf(name);
    for (const [i, e] of entries.entries()) {
      expect(rows[i][col("account_id")]).toBe(e.accountId);
      expect(rows[i][col("amount_micros")]).toBe(e.amount.toString());
      expect(rows[i][col("balance_after_micros")]).toBe(e.balanceAfter.toString());
      expect(rows[i][col("created_at")]).toBe(e.createdAt.toISOString());
    }
    const mine = rows.filter((r) => r[col("account_id")] === id);
    expect(mine[0][col("amount_usd")]).toBe("1.234567");
    expect(mine[2][col("memo")]).toBe('says "hi", then\nleaves');
    expect(mine[2][col("amount_usd")]).toBe("-0.100001");
    expect(mine[3][col("memo")]).toBe("'=HYPERLINK(\"http://evil\")");
  });

  it("writes to --out without touching stdout, and draws progress only on a terminal", async () => {
    const file = path.join(tmp, "ledger.csv");
    const piped = await run(["ledger", "export", "--format", "csv", "--out", file, "--batch", "5"]);
    expect(piped.status).toBe(0);
    expect(piped.stdout).toBe("");
    const count = await db.prisma.ledgerEntry.count();
    expect(piped.stderr).toBe(`exported ${count} entries to ${file}\n`);
    expect(parseCsv(readFileSync(file, "utf8"))).toHaveLength(count + 1);
    expect(existsSync(`${file}.partial`)).toBe(false);

    const terminal = await run(["ledger", "export", "--format", "csv", "--out", file], { tty: true });
    expect(terminal.status).toBe(0);
    expect(terminal.stderr).toContain("\rexport [");
    expect(terminal.stderr).toContain(`100% ${count}/${count}`);
  });

  it("fails cleanly when the output file cannot be written", async () => {
    const file = path.join(tmp, "no-such-dir", "ledger.csv");
    const result = await run(["ledger", "export", "--format", "csv", "--out", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("ENOENT");
    expect(existsSync(file)).toBe(false);
  });

  it.each([
    [["ledger"], "ledger needs an action"],
    [["ledger", "export"], "--format csv is required"],
    [["ledger", "export", "--format", "json"], 'unsupported format "json"'],
    [["ledger", "export", "--format", "csv", "--batch", "0"], "--batch"],
    [["ledger", "export", "--format", "csv", "--bogus"], "bogus"],
  ])("refuses %j with exit 2", async (argv, message) => {
    const result = await run(argv);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain("Usage:");
  });
});

describe("credit-desk account show", () => {
  it("shows balances by bucket, identities, recent entries and orders", async () => {
    const id = await accountWithMoney(10_000_000n, "show");
    await db.prisma.chatIdentity.create({ data: { accountId: id, platform: "slack", workspaceId: "T123", userId: "U777", displayName: "Ada" } });
    await db.prisma.topupOrder.create({
      data: {
        orderNo: `T-SHOW-${id.slice(0, 8)}`,
        accountId: id,
        methodId: "usdt-trc20",
        methodKind: "usdt",
        network: "trc20",
        requestedAmount: 25_000_000n,
        instructedAmount: 25_000_000n,
        bonusRule: { flatBps: 2000 },
        expiresAt: new Date(Date.now() + 3_600_000),
        surface: "slack",
        customerWorkspace: "T123",
        customerUserId: "U777",
      },
    });
    const result = await run(["account", "show", id]);
    expect(result.status).toBe(0);
    const out = result.stdout;
    expect(out).toContain(`Account ${id}`);
    expect(out).toMatch(/principal\s+\$10\.00\s+10000000 micro-USD/);
    expect(out).toMatch(/bonus\s+\$2\.00\s+2000000 micro-USD/);
    expect(out).toMatch(/trial\s+\$0\.00/);
    expect(out).toMatch(/total\s+\$12\.00\s+12000000 micro-USD/);
    expect(out).toMatch(/slack\s+T123\s+U777\s+Ada/);
    expect(out).toContain("Recent entries (2 shown");
    expect(out).toMatch(/topup_bonus\s+bonus\s+\$2\.00\s+balance \$12\.00\s+support:U_SUPPORT\s+order:show/);
    expect(out).toMatch(new RegExp(`T-SHOW-${id.slice(0, 8)}\\s+pending\\s+usdt-trc20\\s+asked \\$25\\.00`));
  });

  it("exits 1 for an unknown account and 2 for something that is not an id", async () => {
    const missing = await run(["account", "show", "00000000-0000-4000-8000-000000000000"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("no account 00000000-0000-4000-8000-000000000000");
    const bad = await run(["account", "show", "not-a-uuid"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("is not an account id");
  });
});

describe("the CLI itself", () => {
  it("prints every problem of a bad environment at once and exits 2 without opening a database", async () => {
    let opened = false;
    const sentinel = new Proxy({} as Database, {
      get() {
        opened = true;
        throw new Error("the database must not be used");
      },
    });
    const result = await run(["reconcile"], {
      database: sentinel,
      environment: { PORT: "not-a-port", DATABASE_URL: "mysql://x", ONBOARDING_MODE: "maybe", SLACK_BOT_TOKEN: "xoxb-abc-secret" },
    });
    expect(result.status).toBe(2);
    for (const name of ["PORT", "DATABASE_URL", "ONBOARDING_MODE", "SLACK_SIGNING_SECRET", "SLACK_SUPPORT_CHANNEL"]) {
      expect(result.stderr).toContain(`${name}:`);
    }
    expect(result.stderr).not.toContain("xoxb-abc-secret");
    expect(opened).toBe(false);
  });

  it("lists every subcommand on help and refuses unknown ones with exit 2", async () => {
    const help = await run(["help"]);
    expect(help.status).toBe(0);
    for (const name of ["migrate", "reconcile", "ledger export", "account show"]) expect(help.stdout).toContain(`credit-desk ${name}`);
    const unknown = await run(["frobnicate"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});
