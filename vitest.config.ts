import { defineConfig } from "vitest/config";

// `npm test` runs every test on embedded PGlite. With DATABASE_URL set (as .ci/run does) it runs
// them a second time on that PostgreSQL server, where the concurrency tests also run.
const projects: { name: string; env: Record<string, string> }[] = [{ name: "pglite", env: { TEST_DB: "pglite" } }];
if (process.env.DATABASE_URL) projects.push({ name: "postgres", env: { TEST_DB: "postgres" } });

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    projects: projects.map((p) => ({
      extends: true,
      test: { name: p.name, env: p.env, include: ["test/**/*.test.ts"] },
    })),
  },
});
