#!/usr/bin/env node
// The operator CLI. The sources are TypeScript run through tsx, so this registers tsx's loader
// in this very process (no second node) and hands over to src/cli/index.ts. Paths resolve from
// this file, so `credit-desk` works from any directory once the package is installed or linked.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import(new URL("../src/cli/index.ts", import.meta.url).href);
await runCli();
