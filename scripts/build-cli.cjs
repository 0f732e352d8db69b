#!/usr/bin/env node
// Builds the `bonsai` CLI into one CommonJS file, dist/cli/bonsai.cjs, so that a call starts without
// transpiling TypeScript (tsx costs ~0.25 s per start). Run by `npm ci`/`npm install` (the `prepare` script)
// and by `npm run build:cli`. bin/bonsai.js runs the bundle while it is fresh and the sources otherwise.
// `--out DIR` builds elsewhere (test/unit/cli-bundle.test.ts builds into a folder of its own).
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const { dirname, join, relative, resolve, sep } = require("node:path");

const ROOT = join(__dirname, "..");
const DEFAULT_OUT = join(ROOT, "dist", "cli");
const ENTRY = join(ROOT, "cli", "main.ts");

/**
 * Sources that locate files next to themselves (`join(__dirname, "..", "..")`, a script to spawn) would see the
 * bundle's folder instead; each gets its own folder back, relative to the bundle, so the tree can still move.
 */
function keepSourceDirs(outDir) {
  return {
    name: "keep-source-dirs",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, args => {
        if (args.path.split(sep).includes("node_modules")) return undefined;
        const text = readFileSync(args.path, "utf8");
        if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
        const dir = JSON.stringify(relative(outDir, dirname(args.path)).split(sep).join("/"));
        const file = JSON.stringify(relative(outDir, args.path).split(sep).join("/"));
        return {
          loader: "ts",
          contents: text
            .replace(/\b__dirname\b/g, `require("node:path").join(__dirname, ${dir})`)
            .replace(/\b__filename\b/g, `require("node:path").join(__dirname, ${file})`),
        };
      });
    },
  };
}

/**
 * Bundles cli/main.ts and writes the bundle plus inputs.json (every source file it was made from, relative to
 * the repository), which bin/bonsai.js compares with the build's start to tell a stale bundle.
 */
async function buildCli({ outDir = DEFAULT_OUT } = {}) {
  const { build } = require("esbuild");
  const startedAt = Date.now(); // a source saved after this moment makes the bundle stale
  mkdirSync(outDir, { recursive: true });
  const tmp = join(outDir, `bonsai.cjs.${process.pid}.tmp`);
  const result = await build({
    entryPoints: [ENTRY],
    outfile: tmp,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // tsx is resolved at run time (commands that spawn TypeScript helpers); pepr and the Kubernetes client
    // are not on the CLI's path but stay external so that a future import cannot bloat every start.
    external: ["tsx", "tsx/*", "pepr", "@kubernetes/client-node", "kubernetes-fluent-client"],
    plugins: [keepSourceDirs(outDir)],
    metafile: true,
    sourcemap: "linked",
    logLevel: "warning",
    legalComments: "none",
  });
  const inputs = Object.keys(result.metafile.inputs)
    .map(p => relative(ROOT, join(process.cwd(), p)).split(sep).join("/"))
    .concat(["package-lock.json", "scripts/build-cli.cjs"])
    .sort();
  // The map is written next to the temporary name; point the bundle at its final name.
  const map = `${tmp}.map`;
  const code = readFileSync(tmp, "utf8").replace(/sourceMappingURL=.*$/m, "sourceMappingURL=bonsai.cjs.map");
  writeFileSync(tmp, code);
  renameSync(map, join(outDir, "bonsai.cjs.map"));
  writeFileSync(
    join(outDir, "inputs.json"),
    `${JSON.stringify({ root: relative(outDir, ROOT), startedAt, inputs }, null, 1)}\n`,
  );
  renameSync(tmp, join(outDir, "bonsai.cjs")); // last: the bundle appears only once its inputs list is there
  return { bundle: join(outDir, "bonsai.cjs"), inputs: inputs.length };
}

module.exports = { buildCli, DEFAULT_OUT };

if (require.main === module) {
  const { values } = require("node:util").parseArgs({ options: { out: { type: "string" } } });
  buildCli({ outDir: values.out ? resolve(values.out) : DEFAULT_OUT }).then(
    r => process.stderr.write(`bonsai: built ${relative(ROOT, r.bundle)} from ${r.inputs} sources\n`),
    err => {
      process.stderr.write(`bonsai: building the CLI failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
