// Whether the built CLI (dist/cli, scripts/build-cli.cjs) can run: it exists and no source it was made from has
// been saved since its build started. Node built-ins only: this runs before anything else on every call.
const { readFileSync, statSync } = require("node:fs");
const { join } = require("node:path");

const BUNDLE_DIR = join(__dirname, "..", "dist", "cli");

/** Why the bundle in `dir` cannot run (missing, a source gone or changed), or undefined when it is fresh. */
function staleReason(dir = BUNDLE_DIR) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, "inputs.json"), "utf8"));
  } catch {
    return "it is not built";
  }
  if (!statSync(join(dir, "bonsai.cjs"), { throwIfNoEntry: false })) return "it is not built";
  const root = join(dir, manifest.root);
  for (const rel of manifest.inputs) {
    const st = statSync(join(root, rel), { throwIfNoEntry: false });
    if (!st) return `${rel} is gone`;
    if (st.mtimeMs > manifest.startedAt) return `${rel} changed since it was built`;
  }
  return undefined;
}

module.exports = { BUNDLE_DIR, staleReason };
