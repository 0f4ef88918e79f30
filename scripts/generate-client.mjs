// Generates the Prisma client offline. `prisma generate` does not use the schema engine, but the
// CLI insists that its binary exists; any existing file satisfies it, so point it at node itself.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CLI = "node_modules/prisma/build/index.js";
// A production install (`npm ci --omit=dev`) has no Prisma CLI, and needs none: the client is
// compiled into dist/ by `npm run build`. The postinstall then only says so; an explicit
// `npm run generate` without the CLI is still an error.
if (!existsSync(CLI)) {
  const message = "the Prisma CLI is not installed (a production install): the client is not generated; dist/ from `npm run build` carries it.";
  if (process.env.npm_lifecycle_event === "postinstall") {
    process.stdout.write(`generate-client: ${message}\n`);
    process.exit(0);
  }
  process.stderr.write(`generate-client: ${message} Install the dev dependencies to generate it.\n`);
  process.exit(1);
}

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}
const result = spawnSync(process.execPath, [CLI, "generate", "--schema", "prisma/schema.prisma"], {
  stdio: "inherit",
  env,
});
process.exit(result.status ?? 1);
