import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryDirect, queryVia } from "../../src/db/sqlQuery.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";

/**
 * queryDirect is a chat command's hot read: one statement through the driver. It must not queue
 * behind an operator's long read-only session (an export holds one for as long as it takes),
 * and it reads the same rows as the same statement through Prisma.
 */
let services: Services;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(async () => {
  await services?.db.close();
});

describe("queryDirect", () => {
  it("answers while another read-only session is held open", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let sessionStarted!: () => void;
    const started = new Promise<void>((resolve) => (sessionStarted = resolve));
    const session = services.db.driver.withSession(async (s) => {
      await s.query("SELECT 1 AS one");
      sessionStarted();
      await held;
    });
    await started;
    const answer = await Promise.race([
      queryDirect(services.db.driver)<{ two: string }>("SELECT '2'::text AS two", []),
      new Promise<"waited">((resolve) => setTimeout(() => resolve("waited"), 3_000)),
    ]);
    release();
    await session;
    expect(answer).toEqual([{ two: "2" }]);
  });

  it("reads what Prisma reads", async () => {
    const sql = `SELECT $1::text AS "text", ($2::bigint * 2)::text AS "twice", to_char($3::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "day"`;
    const params = ["naïve 雪", "4611686018427387903", "2026-11-29T23:59:59.999Z"];
    const direct = await queryDirect(services.db.driver)(sql, params);
    expect(direct).toEqual([{ text: "naïve 雪", twice: "9223372036854775806", day: "2026-11-29" }]);
    expect(await queryVia(services.prisma)(sql, params)).toEqual(direct);
  });
});
