#!/usr/bin/env node
// The operator CLI. With NODE_ENV=production it runs the compiled build (dist/, `npm run build`),
// which needs no dev dependency; otherwise the TypeScript sources through tsx's loader, registered
// in this very process (no second node). Paths resolve from this file, so `credit-desk` works from
// any directory once the package is installed or linked.
import { existsSync } from "node:fs";

let cli;
if (process.env.NODE_ENV === "production") {
  const compiled = new URL("../dist/src/cli/index.js", import.meta.url);
  if (!existsSync(compiled)) {
    process.stderr.write("NODE_ENV=production runs the compiled build, and dist/src/cli/index.js is missing: run `npm run build` first (or unset NODE_ENV to run the sources through tsx).\n");
    process.exit(1);
  }
  cli = await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(new URL("../src/cli/index.ts", import.meta.url).href);
}
await cli.runCli();
