#!/usr/bin/env node
// Compiles contracts/*.sol with solc from npm and writes contracts/artifacts.json (ABI + bytecode),
// which is committed so that tests never need the compiler. Run after editing a contract:
//   node scripts/compile-contracts.mjs
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "contracts");
const sources = Object.fromEntries(
  readdirSync(dir)
    .filter((name) => name.endsWith(".sol"))
    .sort()
    .map((name) => [name, { content: readFileSync(path.join(dir, name), "utf8") }]),
);

const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "paris",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors ?? []).filter((e) => e.severity === "error");
for (const e of output.errors ?? []) console.error(e.formattedMessage);
if (errors.length > 0) process.exit(1);

const contracts = {};
for (const [file, byName] of Object.entries(output.contracts)) {
  for (const [name, compiled] of Object.entries(byName)) {
    if (compiled.evm.bytecode.object === "") continue;
    contracts[name] = { source: `contracts/${file}`, abi: compiled.abi, bytecode: "0x" + compiled.evm.bytecode.object };
  }
}
const artifact = { compiler: `solc ${solc.version()}`, contracts };
writeFileSync(path.join(dir, "artifacts.json"), JSON.stringify(artifact, null, 2) + "\n");
console.log(`compiled ${Object.keys(contracts).join(", ")} with solc ${solc.version()}`);
