import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const README = fileURLToPath(new URL("../../README.md", import.meta.url));

/** The receiving-side example of the README's Webhooks section, exactly as written there, loaded as a module. */
export async function readmeVerifier(): Promise<(secret: string, header: string, body: string, now?: number) => boolean> {
  const text = readFileSync(README, "utf8");
  const block = /<!-- webhook-verify:start -->\s*```ts\n([\s\S]*?)```\s*<!-- webhook-verify:end -->/.exec(text);
  if (!block) throw new Error("README.md has no webhook-verify block");
  const file = path.join(mkdtempSync(path.join(tmpdir(), "readme-snippet-")), "verify.ts");
  writeFileSync(file, block[1]);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const verify = Object.values(module).find((v) => typeof v === "function");
  if (!verify) throw new Error("the README's webhook-verify block exports no function");
  return verify as never;
}
