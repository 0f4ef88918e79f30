#!/usr/bin/env node
// `npm start`, `npm run web|worker|discord` (src/main.ts) and `npm run cli|migrate` (the operator
// CLI, with `--cli` first). With NODE_ENV=production they run the compiled JavaScript of
// `npm run build` (dist/), which needs no dev dependency; otherwise the TypeScript sources through
// tsx's loader, registered in this process, as before. The Procfile starts dist/ directly
// (`node dist/src/main.js web`): one process, no npm in front of it.
import { existsSync } from "node:fs";

const cli = process.argv[2] === "--cli";
if (cli) process.argv.splice(2, 1);
const program = cli ? "src/cli/index" : "src/main";

if (process.env.NODE_ENV === "production") {
  const compiled = new URL(`../dist/${program}.js`, import.meta.url);
  if (!existsSync(compiled)) {
    process.stderr.write(`NODE_ENV=production runs the compiled build, and dist/${program}.js is missing: run \`npm run build\` first (or unset NODE_ENV to run the sources through tsx).\n`);
    process.exit(1);
  }
  const mod = await import(compiled.href);
  if (cli) await mod.runCli();
} else {
  const { register } = await import("tsx/esm/api");
  register();
  const mod = await import(new URL(`../${program}.ts`, import.meta.url).href);
  if (cli) await mod.runCli();
}
