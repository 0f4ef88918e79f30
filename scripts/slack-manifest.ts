import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { registry } from "../commands/index.ts";
import { buildManifest, DEFAULT_ADMIN_COMMAND, manifestOptionProblems, PLACEHOLDER_URL } from "../src/platforms/slack/manifest.ts";

/**
 * npm run slack:manifest [-- --url https://billing.example.com] [--socket] [--command /credits]
 *   [--admin-command /credits-admin] [--out manifest.json] [--check]
 * Writes the Slack app manifest built from the command registry. --check exits 1 when the file
 * differs from what would be written (CI keeps the committed manifest in step with commands/).
 * A bad argument (a URL that is not https, a command Slack would refuse) exits 2 and writes nothing.
 */
function usageError(message: string): never {
  console.error(`slack:manifest: ${message}`);
  console.error("usage: npm run slack:manifest -- [--url https://billing.example.com | --socket] [--command /credits] [--admin-command /credits-admin] [--out manifest.json] [--check]");
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      url: { type: "string", default: PLACEHOLDER_URL },
      socket: { type: "boolean", default: false },
      command: { type: "string", default: process.env.SLACK_COMMAND || "/credits" },
      "admin-command": { type: "string", default: process.env.SLACK_ADMIN_COMMAND || DEFAULT_ADMIN_COMMAND },
      name: { type: "string" },
      out: { type: "string", default: fileURLToPath(new URL("../manifest.json", import.meta.url)) },
      check: { type: "boolean", default: false },
    },
  }));
} catch (err) {
  usageError(err instanceof Error ? err.message : String(err));
}

const options = { url: values.url!, command: values.command!, adminCommand: values["admin-command"]!, name: values.name, socketMode: values.socket };
const problems = manifestOptionProblems(options);
if (problems.length > 0) usageError(`nothing written:\n  ${problems.join("\n  ")}`);

const manifest = buildManifest(registry, options);
const text = `${JSON.stringify(manifest, null, 2)}\n`;
if (values.check) {
  let current = "";
  try {
    current = readFileSync(values.out!, "utf8");
  } catch {
    // missing counts as different
  }
  if (current !== text) {
    console.error(`${values.out} is out of date: run npm run slack:manifest`);
    process.exit(1);
  }
  console.log(`${values.out} is up to date`);
} else {
  writeFileSync(values.out!, text);
  for (const slash of manifest.features.slash_commands) console.log(`${slash.command}: ${slash.usage_hint}`);
  console.log(`wrote ${values.out}`);
}
