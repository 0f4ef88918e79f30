#!/usr/bin/env node
// `npm run build [-- <outDir>]`: compiles the two programs production runs into plain JavaScript,
// dist/src/main.js (web, worker, discord, the playground) and dist/src/cli/index.js (the operator
// CLI, `migrate` among its commands), one esbuild bundle each.
//
// Why bundles, and what goes in them. Everything in package.json's "dependencies" stays outside
// (a production install provides it); everything else the sources import is compiled in. That
// is how the Prisma client (generated into src/generated, git-ignored) reaches production
// without the Prisma CLI: its runtime, @prisma/client, is a devDependency bundled here. It has to
// be: @prisma/client names the CLI as an optional peer, so with @prisma/client (or
// pglite-prisma-adapter, which requires @prisma/client as a peer) among the dependencies,
// `npm ci --omit=dev` keeps the whole CLI (npm marks it devOptional, kept unless optional
// packages are omitted too, which would drop the native binaries of resvg and esbuild).
//
// The sources find their files beside them (locales/ from src/i18n.ts, prisma/migrations from
// src/db/migrate.ts, the PGlite worker from src/db/pgliteThread.ts) through import.meta.url. In a
// bundle that would be the bundle's own URL, so each source file's import.meta.url is rewritten
// to the URL its compiled file would have in a mirror of the repository under dist/, and those
// files are copied to the same mirror: dist/locales, dist/prisma/migrations,
// dist/src/db/pgliteWorker.mjs. A production slug therefore needs dist/, package.json,
// package-lock.json and config/ (or its own PAYMENT_METHODS_FILE), not src/.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.resolve(root, process.argv[2] ?? "dist");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));

/** The programs, by source file (the Discord command registration too: an operator runs it on a production install); each compiles to the mirrored path under outDir. */
const ENTRIES = ["src/main.ts", "src/cli/index.ts", "scripts/discord-deploy.ts"];
/** Files the compiled code reads at run time, copied to the same place under outDir. */
const ASSETS = ["locales", "prisma/migrations", "src/db/pgliteWorker.mjs"];

if (!existsSync(path.join(root, "src/generated/prisma/client.ts"))) {
  process.stderr.write("src/generated/prisma is missing: run `npm run generate` (it needs the dev dependencies) first.\n");
  process.exit(1);
}

const mirrored = (source) => path.join(outDir, path.relative(root, source)).replace(/\.[mc]?ts$/, ".js");
const toUrlPath = (p) => {
  const posix = p.split(path.sep).join("/");
  return posix.startsWith(".") ? posix : `./${posix}`;
};

function importMetaUrlPlugin(entryOut) {
  return {
    name: "mirrored-import-meta-url",
    setup(build) {
      build.onLoad({ filter: /\.[mc]?ts$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const text = readFileSync(args.path, "utf8");
        if (!text.includes("import.meta.url")) return { contents: text, loader: "ts" };
        const rel = toUrlPath(path.relative(path.dirname(entryOut), mirrored(args.path)));
        return { contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: "ts" };
      });
    },
  };
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const external = Object.keys(pkg.dependencies ?? {});
for (const entry of ENTRIES) {
  const outfile = mirrored(path.join(root, entry));
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external,
    plugins: [importMetaUrlPlugin(outfile)],
    sourcemap: "linked",
    sourcesContent: false,
    legalComments: "none",
    // @prisma/client's runtime is CommonJS and requires node's modules; an ES module has no
    // require of its own to give it.
    banner: { js: 'import { createRequire as __buildCreateRequire } from "node:module";\nconst require = __buildCreateRequire(import.meta.url);' },
    logLevel: "warning",
  });
}

for (const asset of ASSETS) cpSync(path.join(root, asset), path.join(outDir, asset), { recursive: true });
// Anything that tells the build apart (scripts/start.mjs checks it exists before running dist).
writeFileSync(path.join(outDir, "BUILD.json"), `${JSON.stringify({ name: pkg.name, version: pkg.version, entries: ENTRIES.map((e) => path.relative(outDir, mirrored(path.join(root, e)))) }, null, 2)}\n`);
process.stdout.write(`built ${path.relative(process.cwd(), outDir) || "."}: ${ENTRIES.map((e) => path.relative(root, mirrored(path.join(root, e)))).join(", ")}\n`);
