import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { registry } from "../commands/index.ts";
import { buildManifest, PLACEHOLDER_URL } from "../src/platforms/slack/manifest.ts";

/**
 * npm run slack:manifest [-- --url https://billing.example.com] [--socket] [--command /credits]
 *   [--out manifest.json] [--check]
 * Writes the Slack app manifest built from the command registry. --check exits 1 when the file
 * differs from what would be written (CI keeps the committed manifest in step with commands/).
 */
const { values } = parseArgs({
  options: {
    url: { type: "string", default: PLACEHOLDER_URL },
    socket: { type: "boolean", default: false },
    command: { type: "string", default: process.env.SLACK_COMMAND || "/credits" },
    name: { type: "string" },
    out: { type: "string", default: fileURLToPath(new URL("../manifest.json", import.meta.url)) },
    check: { type: "boolean", default: false },
  },
});

const manifest = buildManifest(registry, { url: values.url!, command: values.command!, name: values.name, socketMode: values.socket });
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
  console.log(`wrote ${values.out} (${manifest.features.slash_commands[0].command}: ${manifest.features.slash_commands[0].usage_hint})`);
}
