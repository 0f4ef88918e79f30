import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/index.ts";
import { redeemCode } from "../../src/codes/redeemCode.ts";
import type { Services } from "../../src/services.ts";
import { bufferOutput } from "../cli/io.ts";
import { createTestServices } from "../helpers/services.ts";
import { CODE, codesStoredInClear, csvRows, expectReconciled, USD, written } from "./fixtures.ts";

/** `credit-desk codes …` in process, on the test database, as an operator runs it. */
let services: Services;
const tmp = mkdtempSync(path.join(tmpdir(), "cd-codes-cli-"));
const SECRET = "test-redemption-secret-0123456789abcdef";
beforeAll(async () => {
  services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0", REDEMPTION_CODE_SECRET: SECRET } });
});
afterEach(async () => {
  await expectReconciled(services);
});
afterAll(async () => {
  await services?.db.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function run(argv: string[], environment: Record<string, string> = {}) {
  const stdout = bufferOutput();
  const stderr = bufferOutput();
  const status = await main(argv, { database: services.db, environment: { REDEMPTION_CODE_SECRET: SECRET, LOG_LEVEL: "silent", ...environment }, stdout, stderr });
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

describe("credit-desk codes", () => {
  it("create --out writes exactly the codes it made (100, distinct, readable), only to a new file, and the database holds none of them in clear", async () => {
    const file = path.join(tmp, "spring.csv");
    const made = await run(["codes", "create", "--amount", "2.5", "--count", "100", "--uses", "3", "--expires", "2028-06-30", "--eligible", "new", "--note", "spring, 2028", "--out", file]);
    expect(made.status).toBe(0);
    expect(made.stdout).toBe("");
    expect(made.stderr).toMatch(/^RC-\d{6}: 100 codes of \$2\.50, 3 use\(s\) each, until 2028-07-01T00:00:00\.000Z, New accounts \(created within 7 days\), written to /);
    expect(existsSync(`${file}.partial`)).toBe(false);
    expect(statSync(file).mode & 0o077).toBe(0);

    const rows = csvRows(readFileSync(file, "utf8"));
    const batch = rows[1][0];
    const codes = rows.slice(1).map((r) => r[2]);
    expect(rows).toHaveLength(101);
    expect(new Set(codes).size).toBe(100);
    for (const code of codes) expect(code).toMatch(new RegExp(`^${CODE.source.replace(/\\b/g, "")}$`));
    expect(codes.join("")).not.toMatch(/[01OIL]/);
    expect(rows.slice(1).map((r) => r[1])).toEqual(Array.from({ length: 100 }, (_, i) => String(i + 1)));
    expect(new Set(rows.slice(1).map((r) => r.slice(3).join(",")))).toEqual(new Set(["2.50,3,2028-07-01T00:00:00.000Z,new accounts (7 days)"]));

    const stored = await services.prisma.redemptionCode.findMany({ where: { batchId: (await services.prisma.redemptionBatch.findFirstOrThrow({ where: { seq: Number(batch.slice(3)) } })).id } });
    expect(stored).toHaveLength(100);
    expect(await codesStoredInClear(services, codes)).toEqual([]);

    // What the file holds is what redeems.
    const account = await services.prisma.account.create({ data: {} });
    const redeemed = await redeemCode(services, { accountId: account.id, code: codes[41], caller: { platform: "console", userId: "cli-test" } });
    expect(redeemed.amount).toBe(2_500_000n);

    const shown = await run(["codes", "show", batch]);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain("redeemed      1 of 300 (1 codes used, 0 used up, 1 accounts)");
    expect(shown.stdout).toContain("note          spring, 2028");
    const listed = await run(["codes", "list"]);
    expect(listed.stdout).toMatch(new RegExp(`^${batch}\\s+\\$2\\.50\\s+100\\s+3\\s+2028-07-01T00:00:00\\.000Z\\s+New accounts \\(created within 7 days\\)\\s+Active\\s+1/300\\s+\\$2\\.50$`, "m"));

    // The same file again is refused: an earlier batch's codes are never written over.
    const before = await written(services);
    const again = await run(["codes", "create", "--amount", "1", "--count", "1", "--out", file]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain(`${file} already exists`);
    expect(await written(services)).toEqual(before);

    const off = await run(["codes", "disable", batch]);
    expect(off.status).toBe(0);
    expect(off.stdout).toContain("status        Disabled by operator");
    const twice = await run(["codes", "disable", batch]);
    expect(twice.status).toBe(1);
    expect(twice.stderr).toContain(`Batch ${batch} was already disabled by operator`);
    await expectReconciled(services);
  });

  it("without --out the CSV goes to stdout; bad input exits 2 with the reason and makes nothing", async () => {
    const out = await run(["codes", "create", "--amount", "1", "--count", "2"]);
    expect(out.status).toBe(0);
    const rows = csvRows(out.stdout);
    expect(rows).toHaveLength(3);
    expect(rows.slice(1).every((r) => r[6] === "any account")).toBe(true);

    const before = await written(services);
    for (const [argv, message] of [
      [["codes", "create", "--amount", "1"], "codes create needs --amount and --count"],
      [["codes", "create", "--amount=-1", "--count", "2"], "must be positive"],
      [["codes", "create", "--amount", "1.0000001", "--count", "2"], "at most 6 digits after the decimal point"],
      [["codes", "create", "--amount", "1", "--count", "2", "--expires", "tomorrow"], '"tomorrow" is not an expiry'],
      [["codes", "create", "--amount", "1", "--count", "2", "--bogus", "x"], "Unknown option '--bogus'"],
      [["codes", "frob"], 'unknown codes action "frob"'],
      [["codes", "show"], "codes show takes one batch no."],
    ] as const) {
      const result = await run([...argv]);
      expect(result.status, argv.join(" ")).toBe(2);
      expect(result.stderr.toLowerCase(), argv.join(" ")).toContain(message.toLowerCase());
      expect(result.stdout).toBe("");
    }
    expect(await written(services)).toEqual(before);

    // In production, codes are never hashed with the built-in development key.
    const prod = await run(["codes", "create", "--amount", "1", "--count", "1"], { NODE_ENV: "production", REDEMPTION_CODE_SECRET: "" });
    expect(prod.status).toBe(2);
    expect(prod.stderr).toContain("REDEMPTION_CODE_SECRET is not set");
    expect(await written(services)).toEqual(before);
  });

  it("a CSV that cannot be written makes no batch", async () => {
    const before = await written(services);
    const batches = await services.prisma.redemptionBatch.count();
    const blocked = path.join(tmp, "no-such-dir", "codes.csv");
    const result = await run(["codes", "create", "--amount", "1", "--count", "5", "--out", blocked]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("ENOENT");
    expect(await services.prisma.redemptionBatch.count()).toBe(batches);
    expect(await written(services)).toEqual(before);
  });
});
