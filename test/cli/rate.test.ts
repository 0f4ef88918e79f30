import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/index.ts";
import type { Database } from "../../src/db/index.ts";
import { openTestDatabase } from "../helpers/db.ts";
import { TEST_METHODS_JSON } from "../helpers/services.ts";
import { ALIPAY } from "../topups/pricingMethods.ts";
import { bufferOutput } from "./io.ts";

let db: Database;
const tmp = mkdtempSync(path.join(tmpdir(), "cd-rate-"));
const methodsFile = path.join(tmp, "methods.json");
writeFileSync(methodsFile, JSON.stringify({ ...TEST_METHODS_JSON, methods: [...TEST_METHODS_JSON.methods, ALIPAY] }));

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  const stdout = bufferOutput();
  const stderr = bufferOutput();
  const status = await main(argv, { database: db, environment: { PAYMENT_METHODS_FILE: methodsFile }, stdout, stderr });
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

async function written() {
  return { rates: await db.prisma.fxRate.findMany(), audit: await db.prisma.auditLog.count() };
}

describe("credit-desk rate", () => {
  it("refuses a rate of 0, a negative rate and anything that is not one: exit 2, a clear message, nothing written", async () => {
    const before = await written();
    for (const [rate, why] of [
      ["0", "a rate must be above 0"],
      ["0.000000", "a rate must be above 0"],
      ["-7.21", "a rate must be above 0"],
      ["-0", "a rate must be above 0"],
      ["7.1234567", "a rate has at most 6 decimals"],
      ["seven", 'a rate is a plain decimal number of units of the currency per USD, such as "7.21"'],
      ["1e3", "a rate is a plain decimal number"],
    ]) {
      const result = await run("rate", "set", "CNY", rate);
      expect(result.status, rate).toBe(2);
      expect(result.stderr, rate).toContain(`"${rate}" is not a rate: ${why}`);
      expect(result.stderr, rate).toContain("Nothing was changed.");
      expect(result.stdout, rate).toBe("");
    }
    expect(await written()).toEqual(before);
  });

  it("refuses USD, a currency no method is paid in, and a wrong number of arguments, with exit 2 and nothing written", async () => {
    const before = await written();
    const usd = await run("rate", "set", "USD", "1");
    expect([usd.status, usd.stderr.split("\n")[0]]).toEqual([2, "USD is the currency of the credit itself: its rate is always 1"]);
    const eur = await run("rate", "set", "EUR", "0.92");
    expect(eur.status).toBe(2);
    expect(eur.stderr).toContain(`no payment method in ${methodsFile} is paid in EUR (methods are paid in CNY). Nothing was changed.`);
    const typo = await run("rate", "set", "CYN", "7.21");
    expect(typo.stderr).toContain('"CYN" is not a currency code');
    expect((await run("rate", "set", "CNY")).status).toBe(2);
    expect((await run("rate", "set")).status).toBe(2);
    expect((await run("rate", "bump", "CNY", "7")).stderr).toContain('unknown rate action "bump"');
    expect(await written()).toEqual(before);
  });

  it("sets a rate: stored, audited with who set it and what it replaced, and listed as the one in force over the file's", async () => {
    const listBefore = await run("rate", "list");
    expect(listBefore.status).toBe(0);
    expect(listBefore.stdout).toMatch(/^CNY\s+7\.21\s+the payment methods file\s+alipay\s+7\.21$/m);

    const first = await run("rate", "set", "CNY", "7.18");
    expect(first.status).toBe(0);
    expect(first.stdout).toBe("CNY: 7.18 per USD (was not set: the payment methods file's 7.21 was in force)\n");
    const second = await run("rate", "set", "cny", "7.2");
    expect(second.stdout).toBe("CNY: 7.2 per USD (was 7.18)\n");
    expect(second.stderr).toContain("New orders with alipay are priced at this rate; orders already made keep their own.");

    const stored = await db.prisma.fxRate.findUniqueOrThrow({ where: { currency: "CNY" } });
    expect(stored.rate).toBe(7_200_000n);
    expect(stored.setBy).toMatch(/^operator/);
    const audit = await db.prisma.auditLog.findMany({ where: { action: "fx.rate_set" }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.actorType, a.platform, a.outcome, a.detail])).toEqual([
      ["system", "cli", "ok", { currency: "CNY", rate: "7.18", previous: null }],
      ["system", "cli", "ok", { currency: "CNY", rate: "7.2", previous: "7.18" }],
    ]);
    expect(audit[1].actorId).toBe(stored.setBy);

    const list = await run("rate", "list");
    expect(list.stdout).toMatch(new RegExp(`^CNY\\s+7\\.2\\s+set by ${stored.setBy} at ${stored.updatedAt.toISOString().replace(/\./g, "\\.")}\\s+alipay\\s+7\\.21$`, "m"));
  });

  it("the database refuses a rate of 0 or below even from another writer", async () => {
    await expect(db.prisma.$executeRaw`INSERT INTO "fx_rates" ("currency", "rate", "setBy") VALUES ('HKD', 0, 'someone')`).rejects.toThrow();
    expect(await db.prisma.fxRate.count({ where: { currency: "HKD" } })).toBe(0);
  });

  it("is listed in credit-desk help", async () => {
    const help = await run("help");
    expect(help.stdout).toContain("credit-desk rate set <CURRENCY> <RATE>");
    expect(help.stdout).toContain("credit-desk rate list");
  });
});
